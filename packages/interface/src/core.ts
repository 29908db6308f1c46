import type { MessageBytes } from './bytes.js'
import type { DscsError } from './errors.js'
import type { MessageVerdict } from './net.js'
import type { PeerRef, ProtocolId } from './peer.js'

/** What a sans-I/O protocol core asks its driver to do. */
export type CoreEffect<Event> =
  /** Send `bytes` to `to` on `protocol`, or on the core's first protocol when absent. */
  | { readonly type: 'send'; readonly to: PeerRef; readonly bytes: MessageBytes; readonly protocol?: ProtocolId }
  | { readonly type: 'publish'; readonly topic: string; readonly bytes: Uint8Array }
  /** Report `event` to the application. */
  | { readonly type: 'emit'; readonly event: Event }
  /** `peer` sent input that failed the check `error` names: it was dropped; lower the peer's standing. */
  | { readonly type: 'penalise'; readonly peer: PeerRef; readonly error: DscsError }

/** A core's answer to a topic message: whether to relay it, and what to do. */
export interface TopicReceipt<Event> {
  readonly verdict: MessageVerdict
  readonly effects: CoreEffect<Event>[]
}

/**
 * The shape of every sans-I/O protocol core, so one driver runs any of them on
 * libp2p or in simulation. Every call takes the current time and returns the
 * effects; a core never reads a clock, opens a socket or sets a timer.
 */
export interface ProtocolCore<Event> {
  /** A direct message received on one of the core's protocols. */
  receive(from: PeerRef, bytes: Uint8Array, now: number, protocol: ProtocolId): CoreEffect<Event>[]
  /** A message on one of the core's topics. Cores without topics leave it out. */
  receiveTopic?(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<Event>
  /** Time passed: expire what has waited too long. */
  tick(now: number): CoreEffect<Event>[]
  /** When {@link tick} next has work, or undefined when nothing waits. */
  nextDeadline(): number | undefined
  peerConnected?(peer: PeerRef, now: number): CoreEffect<Event>[]
  peerDisconnected?(peer: PeerRef, now: number): CoreEffect<Event>[]
}
