import type { PartitionState } from '../core/partition.js'
import { SoftPartitionError } from '../core/errors.js'

/**
 * What a state domain does while this node's component holds no majority:
 * - `available`: keeps accepting writes; they merge on heal;
 * - `locked`: refuses writes with `MINORITY_LOCKED`; the majority continues;
 * - `tentative`: accepts writes marked tentative, confirmed when the heal re-confirms them.
 */
export type DomainPolicy = 'available' | 'locked' | 'tentative'

/** A write the gate let through: whether it is tentative, and the epoch of the view it was judged in. */
export interface WriteAdmission {
  readonly tentative: boolean
  readonly epoch: number
}

/**
 * Judges each write by its domain's policy against this node's current
 * partition view; an application calls {@link WriteGate.admit} before it
 * submits (e.g. `frpState.submit`). Domains without a policy are `available`.
 */
export class WriteGate {
  readonly #view: () => PartitionState
  readonly #policies: ReadonlyMap<string, DomainPolicy>

  constructor(view: () => PartitionState, policies: Readonly<Record<string, DomainPolicy>>) {
    this.#view = view
    this.#policies = new Map(Object.entries(policies))
  }

  policy(domain: string): DomainPolicy {
    return this.#policies.get(domain) ?? 'available'
  }

  /** Admits a write to `domain`, or throws {@link SoftPartitionError} `MINORITY_LOCKED`. */
  admit(domain: string): WriteAdmission {
    const { majority, epoch } = this.#view()
    const policy = this.policy(domain)
    if (majority || policy === 'available') return { tentative: false, epoch }
    if (policy === 'locked') {
      throw new SoftPartitionError('MINORITY_LOCKED', `${domain} is locked: this node's component (epoch ${epoch}) holds no majority`)
    }
    return { tentative: true, epoch }
  }
}
