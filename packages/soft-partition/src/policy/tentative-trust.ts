import type { TrustPolicy, TrustStatusChange, TrustSubject, TrustVerdict, Unsubscribe } from '@dscs/interface'
import type { PartitionState } from '../core/partition.js'

/** What a re-confirmation did: the tentative inputs it confirmed, and those it dropped past the bound. */
export interface ReconfirmReport {
  readonly confirmed: number
  readonly nullified: number
}

/** A {@link TrustPolicy} that also re-confirms, on heal, what it held tentative. */
export interface TentativeTrustPolicy extends TrustPolicy {
  /** Confirms every input held tentative, if this node's component holds a majority again. */
  reconfirm(): ReconfirmReport
  /** Inputs held tentative now. */
  readonly tentative: number
}

export interface TentativeTrustOptions {
  /** This node's partition view, e.g. `() => swim.partition()`. */
  readonly view: () => PartitionState
  /** The policy whose verdict comes first; `accept` from it becomes `pending` on a minority. Default: accept all. */
  readonly inner?: TrustPolicy
  /** Most inputs held tentative; past it the oldest is nullified. Default 10 000. */
  readonly maxTentative?: number
}

/**
 * The `tentative` domain policy as a trust policy for a state layer (the
 * `trust` option of `@dscs/frp-state`): an input accepted while this node's
 * component holds no majority is `pending` instead (in the predicted view,
 * not the confirmed one) until {@link TentativeTrustPolicy.reconfirm} confirms
 * it after the heal. Verdicts of the inner policy other than `accept` and its
 * later changes pass through unchanged.
 */
export function tentativeTrust(options: TentativeTrustOptions): TentativeTrustPolicy {
  const inner = options.inner
  const maxTentative = options.maxTentative ?? 10_000
  const listeners = new Set<(change: TrustStatusChange) => void>()
  // Held ids, oldest first, so the bound drops the oldest.
  const held = new Set<string>()
  let dropped = 0
  const tell = (change: TrustStatusChange): void => listeners.forEach((listener) => listener(change))
  return {
    mode: inner?.mode ?? 'none',
    evaluate(subject: TrustSubject, now: number): TrustVerdict {
      const verdict = inner?.evaluate(subject, now) ?? { status: 'accept' }
      const { majority, epoch } = options.view()
      if (verdict.status !== 'accept' || majority) return verdict
      if (held.size >= maxTentative) {
        const oldest = held.values().next().value!
        held.delete(oldest)
        dropped += 1
        tell({ id: oldest, status: 'nullified', reason: `more than ${maxTentative} tentative inputs` })
      }
      held.add(subject.id)
      return { status: 'pending', reason: `tentative: written in a minority component (epoch ${epoch})` }
    },
    onStatusChange(listener: (change: TrustStatusChange) => void): Unsubscribe {
      listeners.add(listener)
      const innerUnsubscribe = inner?.onStatusChange(listener)
      return () => {
        listeners.delete(listener)
        innerUnsubscribe?.()
      }
    },
    reconfirm(): ReconfirmReport {
      if (!options.view().majority) return { confirmed: 0, nullified: 0 }
      const ids = [...held]
      held.clear()
      for (const id of ids) tell({ id, status: 'confirmed', reason: 'the partition healed' })
      const report = { confirmed: ids.length, nullified: dropped }
      dropped = 0
      return report
    },
    get tentative() {
      return held.size
    }
  }
}
