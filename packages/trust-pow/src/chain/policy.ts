import type { TrustPolicy, TrustStatusChange, TrustSubject, TrustVerdict, Unsubscribe } from '@dscs/interface'
import type { ChainEvent } from './core.js'
import { ChainError } from './errors.js'

/** What the policy reads from a chain: a core or the service around one. */
export interface ChainView {
  /** Blocks holding transaction `id` or built on it on the best chain; undefined when it is not there. */
  confirmations(id: string): number | undefined
  onEvent(listener: (event: ChainEvent) => void): Unsubscribe
}

export interface ChainTrustOptions {
  /** Depth at which an op's transaction counts as confirmed: 1 is "in the tip". Default 6. */
  readonly confirmations?: number
  /** Most ops awaiting depth; past it the oldest is nullified. As many nullified ops are watched in case they are mined again. Default 10 000. */
  readonly maxPending?: number
  /** Most confirmed ops remembered, to nullify them should a deeper reorganisation drop them. Default 100 000. */
  readonly maxConfirmed?: number
}

/** A {@link TrustPolicy} on a proof-of-work chain; `close` stops it listening to the chain. */
export interface ChainTrustPolicy extends TrustPolicy {
  close(): void
}

/**
 * The proof-of-work trust mode: an op (its TrustSubject id is the envelope
 * hash, the id of the transaction that carries it) is pending until its
 * transaction is `confirmations` blocks deep on the best chain, then
 * confirmed; a reorganisation that drops its transaction nullifies it. A
 * chain that requeues dropped transactions (`requeueNullified`, the default)
 * may mine it again: once that is `confirmations` deep the op is confirmed
 * again, so the policy keeps watching nullified ops (as many as `maxPending`,
 * the oldest forgotten silently). The application submits each op's envelope
 * to the chain (`submit`) — the policy only watches.
 */
export function chainTrustPolicy(chain: ChainView, options: ChainTrustOptions = {}): ChainTrustPolicy {
  const depth = positive(options.confirmations, 6, 'confirmations')
  const maxPending = positive(options.maxPending, 10_000, 'maxPending')
  const maxConfirmed = positive(options.maxConfirmed, 100_000, 'maxConfirmed')
  const listeners = new Set<(change: TrustStatusChange) => void>()
  // Insertion order is age order, so the bounds drop the oldest.
  const pending = new Set<string>()
  // Nullified by a reorganisation, and confirmed again should the chain mine them again.
  const dropped = new Set<string>()
  const confirmed = new Set<string>()
  const tell = (change: TrustStatusChange): void => listeners.forEach((listener) => listener(change))
  const deep = (id: string): boolean => (chain.confirmations(id) ?? 0) >= depth
  const confirm = (id: string): void => {
    confirmed.add(id)
    if (confirmed.size > maxConfirmed) confirmed.delete(confirmed.values().next().value!)
  }

  const unsubscribe = chain.onEvent((event) => {
    if (event.type === 'reorg') {
      for (const id of event.nullified) {
        if (!pending.delete(id) && !confirmed.delete(id)) continue
        dropped.add(id)
        if (dropped.size > maxPending) dropped.delete(dropped.values().next().value!)
        tell({ id, status: 'nullified', reason: 'a heavier branch of the chain dropped its transaction' })
      }
    } else if (event.type === 'tip') {
      for (const watched of [pending, dropped]) {
        for (const id of watched) {
          if (!deep(id)) continue
          watched.delete(id)
          confirm(id)
          tell({ id, status: 'confirmed', reason: `its transaction is ${depth} blocks deep${watched === dropped ? ', mined again after a reorganisation' : ''}` })
        }
      }
    }
  })

  return {
    mode: 'proof-of-work',
    evaluate(subject: TrustSubject): TrustVerdict {
      if (deep(subject.id)) {
        confirm(subject.id)
        return { status: 'accept' }
      }
      pending.add(subject.id)
      if (pending.size > maxPending) {
        const oldest = pending.values().next().value!
        pending.delete(oldest)
        tell({ id: oldest, status: 'nullified', reason: 'its transaction did not reach the required depth in time' })
      }
      return { status: 'pending', reason: `waiting for its transaction to be ${depth} blocks deep` }
    },
    onStatusChange(listener): Unsubscribe {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: unsubscribe
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < 1) throw new ChainError('INVALID_OPTION', `${name} must be a positive integer`)
  return resolved
}
