import type { TrustPolicy, TrustStatusChange, TrustSubject, TrustVerdict, Unsubscribe } from '@dscs/interface'
import type { ClientEvent } from './client-core.js'
import type { VerifiedEvidence } from './evidence.js'
import { positive } from './options.js'

/** What the policy reads from a client of the observer: a core or the service around one. */
export interface ObserverView {
  /** The index of entry `id` (an envelope hash, hex) once proven included under a trusted head. */
  includedAt(id: string): number | undefined
  /** Watches entry `id` until it is proven included (an `included` event follows). */
  watch(id: string): void
  unwatch(id: string): void
  /** The evidence that made the observer untrusted, once there is some. */
  readonly evidence: VerifiedEvidence | undefined
  onEvent(listener: (event: ClientEvent) => void): Unsubscribe
}

export interface ObserverTrustOptions {
  /** Most ops awaiting inclusion; past it the oldest is nullified. Default 10 000. */
  readonly maxPending?: number
}

/** A {@link TrustPolicy} on an observer's log; `close` stops it listening. */
export interface ObserverTrustPolicy extends TrustPolicy {
  close(): void
}

/**
 * The third-party-observer trust mode. An op (its TrustSubject id is the
 * envelope hash, the id of the entry that logs it) is pending until it is
 * proven included under a verified tree head carrying the cosignatures the
 * client requires, then confirmed. The application submits each op's
 * envelope to the observer; the policy only watches.
 *
 * The history kept when the observer is caught (equivocation or omission)
 * is the one this node had verified: the log stops at its last trusted head.
 * Ops confirmed before stay confirmed; every op still pending is nullified,
 * and later ops are refused (`UNTRUSTED`), since nothing the observer says
 * counts any more. With witnesses and a threshold above half of them, two
 * forked heads cannot both be trusted anywhere, so no node ever confirmed an
 * op of the other branch and every node's confirmed ops lie on one history;
 * without witnesses, each node keeps the branch it saw.
 */
export function observerTrustPolicy(view: ObserverView, options: ObserverTrustOptions = {}): ObserverTrustPolicy {
  const maxPending = positive(options.maxPending, 10_000, 'maxPending')
  const listeners = new Set<(change: TrustStatusChange) => void>()
  // Insertion order is age order, so the bound drops the oldest.
  const pending = new Set<string>()
  const tell = (change: TrustStatusChange): void => listeners.forEach((listener) => listener(change))

  const unsubscribe = view.onEvent((event) => {
    if (event.type === 'included') {
      if (pending.delete(event.id)) tell({ id: event.id, status: 'confirmed', reason: `logged at ${event.index}, proven under a trusted head of ${event.size} entries` })
    } else if (event.type === 'equivocation' || event.type === 'omission') {
      const reason = `the observer was caught (${event.evidence.kind}) before the op was proven in the history kept`
      const caught = [...pending]
      pending.clear()
      for (const id of caught) tell({ id, status: 'nullified', reason })
    }
  })

  return {
    mode: 'observer',
    evaluate(subject: TrustSubject): TrustVerdict {
      if (view.includedAt(subject.id) !== undefined) return { status: 'accept' }
      const evidence = view.evidence
      if (evidence !== undefined) return { status: 'reject', code: 'UNTRUSTED', reason: `the observer was caught (${evidence.kind})` }
      pending.add(subject.id)
      view.watch(subject.id)
      if (pending.size > maxPending) {
        const oldest = pending.values().next().value!
        pending.delete(oldest)
        view.unwatch(oldest)
        tell({ id: oldest, status: 'nullified', reason: 'it was not logged in time' })
      }
      return { status: 'pending', reason: 'waiting for its inclusion under a verified tree head' }
    },
    onStatusChange(listener): Unsubscribe {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: unsubscribe
  }
}
