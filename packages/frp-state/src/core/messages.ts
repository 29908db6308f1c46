import { definePayloadKind, protobufCodec } from '@dscs/wire'
import { dscs } from '../gen/frp-state.js'
import { KIND_PREFIX, MAX_SYNC_BYTES, MAX_SYNC_OPS } from './constants.js'

/** One anti-entropy step with the ops the receiver lacks. */
export interface SyncPayload {
  readonly domain: string
  readonly step: Uint8Array
  readonly ops: Uint8Array[]
  readonly session: number
  readonly start: boolean
  readonly fromInitiator: boolean
  /** The sender's last message of the session: it sends nothing more in it. */
  readonly last?: boolean
  /** On the last message: the ops the sender sent in the session in all. */
  readonly opsSent?: number
}

/** The `Sync` payload kind, on the domain's protocol `/dscs/frp-state/<domain>/1.0.0`. */
export const SyncMessage = definePayloadKind<SyncPayload>(`${KIND_PREFIX}Sync`, protobufCodec<SyncPayload>(dscs.frp_state.v1.Sync), {
  maxBytes: MAX_SYNC_BYTES,
  maxRepeated: MAX_SYNC_OPS
})
