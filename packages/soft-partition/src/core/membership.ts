import type { PeerRef } from '@dscs/interface'
import type { UpdatePayload } from './messages.js'

/** What this node believes about a member. */
export type MemberState = 'alive' | 'suspect' | 'down'

/** One member as this node sees it. */
export interface Member {
  readonly peer: PeerRef
  readonly publicKey: Uint8Array
  readonly incarnation: number
  readonly state: MemberState
  /**
   * Whether this node has heard from the member itself since it last joined or came back from down. A member alive
   * only by others' word (gossip, which can be an update signed before a split) does not count in the component.
   */
  readonly reached: boolean
}

/** A member this node knows from the start: its peer id and the key its alive updates must carry. */
export interface KnownMember {
  readonly peer: PeerRef
  readonly publicKey: Uint8Array
}

export interface MemberRecord {
  readonly publicKey: Uint8Array
  incarnation: number
  state: MemberState
  reached: boolean
  /** While suspect or down: the suspicion, signed by its first accuser, that this node passes on. */
  accusation?: UpdatePayload
  /** The member's own signed alive update at `incarnation`, once heard: what this node passes on so every member learns of it. */
  alive?: UpdatePayload
}

export interface Suspicion {
  readonly since: number
  readonly incarnation: number
  // The accusers whose signed suspicions reached this node, each counted once: Lifeguard's independent confirmations.
  readonly confirmations: Set<PeerRef>
}

/**
 * Lifeguard's dynamic suspicion timeout: the longest with one accuser, falling
 * with the logarithm of independent confirmations to the shortest at `needed`.
 */
export function suspicionTimeout(confirmations: number, needed: number, min: number, max: number): number {
  const fraction = Math.log(confirmations) / Math.log(needed + 1)
  return Math.max(min, max - (max - min) * Math.min(1, fraction))
}

export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
