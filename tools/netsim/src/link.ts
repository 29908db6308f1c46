import { NetsimError } from './errors.js'

/**
 * How one direction of a link between two peers behaves. Every message is
 * judged on its own: loss, duplication and reordering are independent draws.
 */
export interface LinkProperties {
  /** Base one-way delay, ms. Default 20. */
  readonly latencyMs: number
  /** Extra delay drawn uniformly from [0, jitterMs), ms. Jitter never reorders a link: a message waits for the one before it. Default 0. */
  readonly jitterMs: number
  /** Probability that a message is lost in transit, 0–1. Default 0. */
  readonly loss: number
  /** Probability that a message is delivered twice, 0–1; the copy arrives right after the original. Default 0. */
  readonly duplicate: number
  /** Probability that a message is held back by an extra delay drawn from [0, reorderDelayMs), so later messages overtake it, 0–1. Default 0. */
  readonly reorder: number
  /** The extra delay bound for reordered messages, ms. Default 50. */
  readonly reorderDelayMs: number
  /** Bytes per second the sender can put on this link; messages queue behind each other (serialisation delay). Default Infinity. */
  readonly bandwidth: number
}

export const DEFAULT_LINK: LinkProperties = Object.freeze({
  latencyMs: 20,
  jitterMs: 0,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 50,
  bandwidth: Infinity
})

const PROBABILITIES = ['loss', 'duplicate', 'reorder'] as const
const DURATIONS = ['latencyMs', 'jitterMs', 'reorderDelayMs'] as const

/** Throws INVALID_ARGUMENT unless every given property is in its domain. */
export function checkLinkProperties(props: Partial<LinkProperties>): void {
  for (const key of Object.keys(props)) {
    if (!(key in DEFAULT_LINK)) throw new NetsimError('INVALID_ARGUMENT', `unknown link property ${key}`)
  }
  for (const key of PROBABILITIES) {
    const p = props[key]
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new NetsimError('INVALID_ARGUMENT', `link ${key} must be a probability in [0, 1], got ${p}`)
  }
  for (const key of DURATIONS) {
    const d = props[key]
    if (d !== undefined && !(d >= 0 && Number.isFinite(d))) throw new NetsimError('INVALID_ARGUMENT', `link ${key} must be a finite number ≥ 0, got ${d}`)
  }
  const bw = props.bandwidth
  if (bw !== undefined && !(bw > 0)) throw new NetsimError('INVALID_ARGUMENT', `link bandwidth must be > 0 bytes/s (Infinity for unlimited), got ${bw}`)
}

/**
 * The sender side of one directed link, created on first use: its overrides,
 * whether it is cut, and the queue state that makes bandwidth and FIFO work.
 */
export class LinkState {
  /** Effective properties: the defaults, or defaults + override. */
  props: LinkProperties
  override: Partial<LinkProperties> | undefined = undefined
  /** The direction is unusable (an asymmetric or non-transitive fault). */
  cut = false
  /** When the sender finishes serialising what is queued on this link. */
  busyUntil = 0
  /** Arrival time of the last in-order message: later messages never arrive before it. */
  lastArrival = 0
  /** Bumped each time the connection comes up, so messages from an earlier connection are lost. */
  epoch = 0

  constructor(defaults: LinkProperties) {
    this.props = defaults
  }

  resolve(defaults: LinkProperties): void {
    this.props = this.override === undefined ? defaults : Object.freeze({ ...defaults, ...this.override })
  }
}
