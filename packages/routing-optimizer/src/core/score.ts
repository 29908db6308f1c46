import type { PeerRef } from '@dscs/interface'
import type { PeerMeasurements } from './peer-metrics.js'
import { RoutingOptimizerError } from './errors.js'

/** How peers are scored; every option has a default. */
export interface ScoreOptions {
  /** The RTT at which the latency factor is 1/2, ms. Default 100. */
  readonly rttScaleMs?: number
  /** The capacity at which the capacity factor is 1/2, bytes per second. Default 1 MB/s. */
  readonly capacityScale?: number
  /** Advertised capacity not yet measured counts for this share of itself. Default 0.5. */
  readonly unverifiedDiscount?: number
  /** Transfers after which measured throughput replaces the advertised figure. Default 2. */
  readonly minTransfers?: number
  /** A peer whose advertised capacity exceeds its measured one by more than this factor overclaims. Default 4. */
  readonly overclaimRatio?: number
  /** The capacity of an overclaiming peer counts for this share of what was measured: lying costs more than honesty. Default 0.25. */
  readonly overclaimPenalty?: number
  /** Exponents of the factors in the score (a weighted geometric mean); 0 ignores a factor. Defaults: latency 1, capacity 1, reliability 2, trust 1. */
  readonly weights?: Partial<Record<'latency' | 'capacity' | 'reliability' | 'trust', number>>
  /**
   * How far this node trusts `peer`, in [0, 1], or undefined when it has no
   * opinion (counted as 1/2): plug a web of trust here (`@dscs/trust-wot`).
   */
  readonly trust?: (peer: PeerRef) => number | undefined
}

/** What a score is made of, for logs, dashboards and tests. */
export interface PeerScore {
  /** In [0, 1]: the weighted geometric mean of the factors below. */
  readonly score: number
  readonly latency: number
  readonly capacity: number
  readonly reliability: number
  readonly trust: number
  /** The RTT scored, ms: measured, else predicted from coordinates, else undefined (latency factor 1/2). */
  readonly rtt: number | undefined
  readonly rttPredicted: boolean
  /** The capacity that counts, bytes per second: measured once known, else the discounted advertisement. */
  readonly effectiveCapacity: number | undefined
  /** Advertised far above measured: the peer lied about its speed, or is overloaded; either way it gets less work. */
  readonly overclaimed: boolean
}

/** What {@link PeerScorer} reads about a peer. */
export interface ScoreInput {
  readonly measured: PeerMeasurements | undefined
  readonly predictedRtt: number | undefined
  /** Upload throughput from the peer's signed capacity record, bytes per second. */
  readonly advertised: number | undefined
}

const NEUTRAL = 0.5

/** Turns what is known of a peer into a score in [0, 1] and a capacity to weigh work by. */
export class PeerScorer {
  readonly #rttScale: number
  readonly #capacityScale: number
  readonly #discount: number
  readonly #minTransfers: number
  readonly #overclaimRatio: number
  readonly #overclaimPenalty: number
  readonly #weights: Record<'latency' | 'capacity' | 'reliability' | 'trust', number>
  readonly #trust: ((peer: PeerRef) => number | undefined) | undefined

  constructor(options: ScoreOptions = {}) {
    this.#rttScale = positive(options.rttScaleMs, 100, 'rttScaleMs')
    this.#capacityScale = positive(options.capacityScale, 1e6, 'capacityScale')
    this.#discount = share(options.unverifiedDiscount, 0.5, 'unverifiedDiscount')
    this.#minTransfers = positive(options.minTransfers, 2, 'minTransfers')
    this.#overclaimRatio = positive(options.overclaimRatio, 4, 'overclaimRatio')
    this.#overclaimPenalty = share(options.overclaimPenalty, 0.25, 'overclaimPenalty')
    const weights = { latency: 1, capacity: 1, reliability: 2, trust: 1, ...options.weights }
    for (const [name, weight] of Object.entries(weights)) {
      if (!(weight >= 0 && Number.isFinite(weight))) throw new RoutingOptimizerError('INVALID_OPTION', `weight of ${name} must be ≥ 0, got ${weight}`)
    }
    this.#weights = weights
    this.#trust = options.trust
  }

  score(peer: PeerRef, input: ScoreInput): PeerScore {
    const { measured, predictedRtt } = input
    const rtt = measured?.rtt ?? predictedRtt
    const latency = rtt === undefined ? NEUTRAL : this.#rttScale / (this.#rttScale + rtt)
    const { effectiveCapacity, overclaimed } = this.capacity(input)
    const capacity = effectiveCapacity === undefined ? NEUTRAL : effectiveCapacity / (effectiveCapacity + this.#capacityScale)
    const reliability = measured?.reliability ?? NEUTRAL
    const trustValue = this.#trust?.(peer)
    const trust = trustValue === undefined || !Number.isFinite(trustValue) ? NEUTRAL : Math.min(Math.max(trustValue, 0), 1)
    const w = this.#weights
    const total = w.latency + w.capacity + w.reliability + w.trust
    const score = total === 0 ? NEUTRAL : (latency ** w.latency * capacity ** w.capacity * reliability ** w.reliability * trust ** w.trust) ** (1 / total)
    return { score, latency, capacity, reliability, trust, rtt, rttPredicted: measured?.rtt === undefined && predictedRtt !== undefined, effectiveCapacity, overclaimed }
  }

  /** The capacity that counts: measured overrides advertised, and a peer advertising far more than it delivers is marked down. */
  capacity(input: ScoreInput): { effectiveCapacity: number | undefined; overclaimed: boolean } {
    const { measured, advertised } = input
    if (measured?.throughput !== undefined && measured.transfers >= this.#minTransfers) {
      const overclaimed = advertised !== undefined && advertised > measured.throughput * this.#overclaimRatio
      return { effectiveCapacity: overclaimed ? measured.throughput * this.#overclaimPenalty : measured.throughput, overclaimed }
    }
    // One transfer is a hint: the advertisement, if any, is capped by what that transfer showed times the ratio.
    if (advertised === undefined) return { effectiveCapacity: measured?.throughput, overclaimed: false }
    const hinted = measured?.throughput === undefined ? advertised : Math.min(advertised, measured.throughput * this.#overclaimRatio)
    return { effectiveCapacity: hinted * this.#discount, overclaimed: false }
  }
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!(value > 0 && Number.isFinite(value))) throw new RoutingOptimizerError('INVALID_OPTION', `${option} must be a positive number, got ${value}`)
  return value
}

function share(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!(value >= 0 && value <= 1)) throw new RoutingOptimizerError('INVALID_OPTION', `${option} must be in [0, 1], got ${value}`)
  return value
}
