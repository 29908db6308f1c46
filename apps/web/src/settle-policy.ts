import type { TrustPolicy, TrustStatusChange, TrustSubject, TrustVerdict, Unsubscribe } from '@dscs/interface'
import { WebError } from './errors.js'

/** Schedules `run` after `ms` and returns how to cancel it; `setTimeout` unless a test drives time. */
export type Schedule = (run: () => void, ms: number) => () => void

const realSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms)
  return () => clearTimeout(timer)
}

export interface SettlePolicyOptions {
  /** Most ops waiting to settle; past it the oldest is nullified. Default 10 000. */
  readonly maxPending?: number
  readonly schedule?: Schedule
}

/** A {@link TrustPolicy} that confirms each op once it is older than the settle window; `dispose` drops its timers. */
export interface SettlePolicy extends TrustPolicy {
  readonly settleMs: number
  /** Ops waiting to settle now. */
  readonly pending: number
  dispose(): void
}

/**
 * The "signatures only" mode with a settle window: every verified op is
 * pending until its HLC wall time is more than `settleMs` in the past, then
 * confirmed. Run it with frp-state's `horizon` equal to `settleMs`: an op
 * older than the horizon is refused, so once an op is confirmed no op that
 * sorts before it can still be admitted, and the confirmed view never
 * changes again — it is final, the same on every peer that received the
 * same ops in time. The predicted view shows everything at once.
 */
export function settledAfter(settleMs: number, options: SettlePolicyOptions = {}): SettlePolicy {
  if (!Number.isSafeInteger(settleMs) || settleMs <= 0) throw new WebError('INVALID_OPTION', `settleMs must be a positive integer, got ${settleMs}`)
  const maxPending = options.maxPending ?? 10_000
  const schedule = options.schedule ?? realSchedule
  const listeners = new Set<(change: TrustStatusChange) => void>()
  // Waiting op ids with their timer's cancel, oldest first so the bound drops the oldest.
  const waiting = new Map<string, () => void>()
  const tell = (change: TrustStatusChange): void => listeners.forEach((listener) => listener(change))
  return {
    mode: 'signatures',
    settleMs,
    get pending() {
      return waiting.size
    },
    evaluate(subject: TrustSubject, now: number): TrustVerdict {
      // One ms past the horizon, so an op with the same wall time but earlier in the order is refused by then.
      const delay = subject.timestamp + settleMs + 1 - now
      if (delay <= 0) return { status: 'accept' }
      waiting.set(
        subject.id,
        schedule(() => {
          waiting.delete(subject.id)
          tell({ id: subject.id, status: 'confirmed', reason: `older than the ${settleMs} ms settle window` })
        }, delay)
      )
      if (waiting.size > maxPending) {
        const [oldest, cancel] = waiting.entries().next().value!
        cancel()
        waiting.delete(oldest)
        tell({ id: oldest, status: 'nullified', reason: 'too many ops waiting to settle' })
      }
      return { status: 'pending', reason: `settles ${settleMs} ms after its time` }
    },
    onStatusChange(listener): Unsubscribe {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    dispose() {
      for (const cancel of waiting.values()) cancel()
      waiting.clear()
    }
  }
}
