import type { PeerState } from './peer.js'
import type { Timed } from './queue.js'

/** A callback scheduled on virtual time; cancelling it before it fires means it never runs. */
export interface Timer {
  cancel(): void
}

export const EV_DIRECT = 0
export const EV_TOPIC = 1
export const EV_TIMER = 2
export const EV_PEER = 3
export const EV_TASK = 4

/**
 * Everything the queue holds, in one monomorphic shape (no per-message
 * closures): a message in flight, a peer's timer, a connect/disconnect
 * notification or a scheduled task. Timers hand it out as their cancel handle.
 */
export class SimEvent implements Timed, Timer {
  time = 0
  seq = 0
  readonly kind: number
  /** Sender (messages) or the peer an event is about (peer events). */
  src: PeerState | undefined = undefined
  /** Receiver (messages, peer events) or owner (timers). */
  dst: PeerState | undefined = undefined
  /** The receiver's (or owner's) incarnation when this was queued. */
  inc = 0
  /** The connection epoch the message was sent on. */
  epoch = 0
  /** Message number, for the trace. */
  message = -1
  /** Protocol or topic. */
  name = ''
  bytes: Uint8Array | undefined = undefined
  /** Gossip deduplication key: topic and content hash. */
  key = ''
  fn: (() => unknown) | undefined = undefined
  /** Interval timers: the period, ms; 0 for one-shot. */
  period = 0
  /** Peer events: true for connect. Messages: true for the network's duplicate copy. */
  flag = false
  cancelled = false

  constructor(kind: number) {
    this.kind = kind
  }

  cancel(): void {
    this.cancelled = true
  }
}
