import type { PeerRef } from '@dscs/interface'
import type { Bitfield } from '../bitfield.js'
import { PipelineDepth, type PipelineLimits } from './pipeline.js'
import type { DropReason } from './events.js'
import { ThroughputMeter } from './throughput.js'

/** One peer as a session of a content sees it: what it holds, what is asked of it, how fast it answers. */
export class RemotePeer {
  readonly ref: PeerRef
  /** What it holds, once its Bitfield came. */
  bits: Bitfield | undefined
  /** Its Bitfield when it came before the manifest, checked once the manifest is known. */
  earlyBits: Uint8Array | undefined
  /** Requests in flight: chunk index → when it was sent. */
  readonly inflight = new Map<number, number>()
  readonly depth: PipelineDepth
  readonly meter = new ThroughputMeter()
  /** True once this node sent it its own Bitfield. */
  introduced = false
  introducedAt = 0
  /** Set when it is asked for nothing more (a stalled peer: for a while). */
  dropped: DropReason | undefined
  droppedAt = 0
  /** Left alone until then after answering busy; 0 when not. */
  busyUntil = 0
  timeouts = 0
  lastPieceAt: number

  constructor(ref: PeerRef, limits: PipelineLimits, now: number) {
    this.ref = ref
    this.depth = new PipelineDepth(limits)
    this.lastPieceAt = now
  }

  /** True when it can take one more request now. */
  canTake(now: number): boolean {
    return this.dropped === undefined && this.bits !== undefined && now >= this.busyUntil && this.inflight.size < this.depth.value
  }
}
