import type { PublicKeyBytes, Unsubscribe } from './peer.js'

/** The trust modes an application chooses between, per state domain. */
export type TrustMode = 'none' | 'signatures' | 'proof-of-work' | 'web-of-trust' | 'observer'

/** What a trust policy is asked to judge: one signed input, already verified. */
export interface TrustSubject {
  /** The envelope hash, hex: stable across peers. */
  readonly id: string
  readonly author: PublicKeyBytes
  readonly kind: string
  /** Author's timestamp, ms since the epoch. */
  readonly timestamp: number
  /** The state domain the input belongs to. */
  readonly domain: string
}

export type TrustVerdict =
  | { readonly status: 'accept' }
  | { readonly status: 'pending'; readonly reason: string }
  | { readonly status: 'reject'; readonly code: string; readonly reason: string }

/** A later decision about an input: a pending one settled, a confirmed one nullified, or a nullified one confirmed after all (a transaction mined again). */
export interface TrustStatusChange {
  readonly id: string
  readonly status: 'confirmed' | 'nullified'
  readonly reason: string
}

/**
 * One contract for every trust mode. A state layer asks for a verdict when an
 * input arrives and listens for confirmations and nullifications; it never
 * knows which mode is plugged in.
 */
export interface TrustPolicy {
  readonly mode: TrustMode
  evaluate(subject: TrustSubject, now: number): TrustVerdict
  onStatusChange(listener: (change: TrustStatusChange) => void): Unsubscribe
}
