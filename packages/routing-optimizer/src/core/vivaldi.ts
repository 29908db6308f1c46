import { RoutingOptimizerError } from './errors.js'

/** A Vivaldi coordinate with height (Dabek et al. 2004), in milliseconds of round-trip time. */
export interface Coordinate {
  /** The Euclidean part. */
  readonly vector: readonly number[]
  /** The access-link delay: added to every distance, never shortened by a direction. */
  readonly height: number
  /** The owner's relative error estimate: 0 is certain, {@link MAX_ERROR} knows nothing. */
  readonly error: number
}

/** Options of {@link Vivaldi}; the defaults are the paper's. */
export interface VivaldiOptions {
  /** Dimensions of the Euclidean part, 2–8. Default 3. */
  readonly dimensions?: number
  /** cc, the timestep's gain: how far one sample moves the coordinate. Default 0.25. */
  readonly timestepGain?: number
  /** ce, the error estimate's gain. Default 0.25. */
  readonly errorGain?: number
  /** A uniform draw in [0, 1): the direction to push apart two nodes at one place. */
  readonly random: () => number
}

/** The error of a coordinate that has learned nothing; also the cap on any error, sampled or claimed. */
export const MAX_ERROR = 1.5
/** A claimed error below this is raised to it: a peer claiming certainty would otherwise drag this node wholly onto its word. */
export const MIN_REMOTE_ERROR = 0.05
/** Heights never fall below this, so two nodes at one point still have a distance. */
export const MIN_HEIGHT = 0.1
/** Bound on any coordinate component, height and RTT sample, ms: a hostile coordinate cannot fling this node off to infinity. */
export const MAX_COMPONENT_MS = 100_000
export const MAX_DIMENSIONS = 8
export const MIN_DIMENSIONS = 2

/**
 * One node's Vivaldi coordinate, moved by RTT samples to peers whose
 * coordinates it is told. Adaptive timestep δ = cc · wᵢ with
 * wᵢ = eᵢ / (eᵢ + eⱼ): a confident node moves little for an unsure peer and
 * much for a sure one; the error estimate is a moving average of each
 * sample's relative error, weighted the same way. Robust to outliers: each
 * sample's relative error is capped at {@link MAX_ERROR}, remote errors are
 * floored at {@link MIN_REMOTE_ERROR}, and the caller feeds filtered RTTs
 * (see `RttFilter`).
 */
export class Vivaldi {
  readonly #dimensions: number
  readonly #cc: number
  readonly #ce: number
  readonly #random: () => number
  #vector: number[]
  #height = MIN_HEIGHT
  #error = MAX_ERROR

  constructor(options: VivaldiOptions) {
    const dimensions = options.dimensions ?? 3
    if (!Number.isInteger(dimensions) || dimensions < MIN_DIMENSIONS || dimensions > MAX_DIMENSIONS) {
      throw new RoutingOptimizerError('INVALID_OPTION', `dimensions must be an integer in [${MIN_DIMENSIONS}, ${MAX_DIMENSIONS}], got ${dimensions}`)
    }
    this.#dimensions = dimensions
    this.#cc = gain(options.timestepGain, 0.25, 'timestepGain')
    this.#ce = gain(options.errorGain, 0.25, 'errorGain')
    this.#random = options.random
    this.#vector = new Array<number>(dimensions).fill(0)
  }

  get coordinate(): Coordinate {
    return { vector: [...this.#vector], height: this.#height, error: this.#error }
  }

  /**
   * Moves this coordinate by one RTT sample to a peer at `remote`. A sample
   * or coordinate out of range is ignored (returns false): it says nothing
   * about where this node is.
   */
  update(rtt: number, remote: Coordinate): boolean {
    if (!(rtt > 0 && rtt <= MAX_COMPONENT_MS) || !isUsableCoordinate(remote, this.#dimensions)) return false
    const remoteError = Math.max(remote.error, MIN_REMOTE_ERROR)
    const predicted = distance(this.coordinate, remote)
    const weight = this.#error / (this.#error + remoteError)
    const sampleError = Math.min(Math.abs(predicted - rtt) / rtt, MAX_ERROR)
    this.#error = Math.min(sampleError * this.#ce * weight + this.#error * (1 - this.#ce * weight), MAX_ERROR)
    const force = this.#cc * weight * (rtt - predicted)
    // The unit vector from the remote to this node; at one point, a random direction.
    let difference = this.#vector.map((x, i) => x - remote.vector[i]!)
    let length = Math.hypot(...difference)
    if (length < 1e-9) {
      difference = difference.map(() => this.#random() - 0.5)
      length = Math.hypot(...difference) || 1
    }
    const norm = length + this.#height + remote.height
    this.#vector = this.#vector.map((x, i) => clampComponent(x + (force * difference[i]!) / norm))
    this.#height = Math.min(Math.max(this.#height + (force * (this.#height + remote.height)) / norm, MIN_HEIGHT), MAX_COMPONENT_MS)
    return true
  }
}

/** The RTT two coordinates predict: Euclidean distance plus both heights. */
export function distance(a: Coordinate, b: Coordinate): number {
  let sum = 0
  for (let i = 0; i < a.vector.length; i++) sum += (a.vector[i]! - (b.vector[i] ?? 0)) ** 2
  return Math.sqrt(sum) + a.height + b.height
}

/** Whether a coordinate (from the network, so hostile) has this node's dimensions and finite components in range. */
export function isUsableCoordinate(coordinate: Coordinate, dimensions: number): boolean {
  return (
    coordinate.vector.length === dimensions &&
    coordinate.vector.every((x) => Number.isFinite(x) && Math.abs(x) <= MAX_COMPONENT_MS) &&
    Number.isFinite(coordinate.height) &&
    coordinate.height >= 0 &&
    coordinate.height <= MAX_COMPONENT_MS &&
    coordinate.error > 0 &&
    coordinate.error <= MAX_ERROR
  )
}

function clampComponent(x: number): number {
  return Math.min(Math.max(x, -MAX_COMPONENT_MS), MAX_COMPONENT_MS)
}

function gain(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!(value > 0 && value <= 1)) throw new RoutingOptimizerError('INVALID_OPTION', `${option} must be in (0, 1], got ${value}`)
  return value
}
