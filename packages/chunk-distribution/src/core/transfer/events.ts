import type { PeerRef } from '@dscs/interface'
import type { ContentId } from '../content-id.js'
import type { Manifest } from '../manifest.js'
import type { VerifiedPath } from '../tree.js'

/** Why a peer left the schedule of a content. */
export type DropReason = 'stalled' | 'corrupt'

/** What the transfer core asks of its service, or tells it. */
export type TransferEvent =
  /** The manifest of a download was learned and checked: store it before any of its chunks. */
  | { readonly type: 'manifest'; readonly cid: ContentId; readonly manifest: Manifest }
  /** A piece passed verification: store it, then call `stored` (or `storeFailed`). */
  | { readonly type: 'store'; readonly cid: ContentId; readonly index: number; readonly data: Uint8Array; readonly verified: VerifiedPath }
  /** A peer's request holds an upload slot: read the chunk and its proof, then call `served` (or `serveFailed`). */
  | { readonly type: 'read'; readonly cid: ContentId; readonly index: number; readonly to: PeerRef }
  /** Every chunk of a download is stored; the content is seeded from now on. */
  | { readonly type: 'complete'; readonly cid: ContentId }
  /** A peer is asked for no more chunks of a content. */
  | { readonly type: 'peer-dropped'; readonly cid: ContentId; readonly peer: PeerRef; readonly reason: DropReason }
  /** A frame from a peer was refused (it is penalised too when at fault). */
  | { readonly type: 'refused'; readonly from: PeerRef; readonly code: string; readonly message: string }
