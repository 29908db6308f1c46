import type { TrustPolicy, TrustStatusChange, TrustSubject, TrustVerdict, Unsubscribe } from '@dscs/interface'
import { bytesToHex as hex } from '@noble/hashes/utils.js'

/** The "no trust" mode: every verified op is confirmed at once. */
export function acceptAll(): TrustPolicy {
  return {
    mode: 'none',
    evaluate: () => ({ status: 'accept' }),
    onStatusChange: () => () => {}
  }
}

/** A {@link TrustPolicy} confirming the ops of a set of authors that can grow. */
export interface AllowListPolicy extends TrustPolicy {
  /** Trusts `author` from now on, confirming its ops that wait. */
  allow(author: Uint8Array): void
  /** The allowed authors' public keys, in hex. */
  authors(): string[]
  /** How many ops wait for their author to be allowed. */
  pendingCount(): number
}

export interface AllowListOptions {
  /**
   * What happens to the ops of authors not (yet) on the list: `reject` refuses
   * them (the default); `pending` keeps them in the predicted view until their
   * author is allowed.
   */
  readonly others?: 'reject' | 'pending'
  /** Most pending ops remembered for confirmation; past it the oldest are nullified. Default 10 000. */
  readonly maxPending?: number
}

/** The "signatures only" mode: ops signed by an allowed author are confirmed. */
export function allowList(authors: readonly Uint8Array[], options: AllowListOptions = {}): AllowListPolicy {
  const allowed = new Set(authors.map(hex))
  const listeners = new Set<(change: TrustStatusChange) => void>()
  // Waiting op ids with their author, oldest first, so the bound drops the oldest.
  const pending = new Map<string, { author: string }>()
  const maxPending = options.maxPending ?? 10_000
  const tell = (change: TrustStatusChange): void => listeners.forEach((listener) => listener(change))
  return {
    mode: 'signatures',
    evaluate(subject: TrustSubject): TrustVerdict {
      const author = hex(subject.author)
      if (allowed.has(author)) return { status: 'accept' }
      if (options.others !== 'pending') return { status: 'reject', code: 'NOT_ALLOWED', reason: 'the author is not on the allow-list' }
      pending.set(subject.id, { author })
      if (pending.size > maxPending) {
        const [oldest] = pending.keys()
        pending.delete(oldest!)
        tell({ id: oldest!, status: 'nullified', reason: 'waited too long for its author to be allowed' })
      }
      return { status: 'pending', reason: 'the author is not on the allow-list yet' }
    },
    onStatusChange(listener): Unsubscribe {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    allow(author) {
      const key = hex(author)
      allowed.add(key)
      for (const [id, waiting] of pending) {
        if (waiting.author !== key) continue
        pending.delete(id)
        tell({ id, status: 'confirmed', reason: 'its author was allowed' })
      }
    },
    authors: () => [...allowed],
    pendingCount: () => pending.size
  }
}
