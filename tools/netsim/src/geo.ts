import { NetsimError } from './errors.js'
import type { Prng } from './prng.js'

/** Options of {@link GeographicLatency}; the defaults are roughly the Internet's. */
export interface GeographicLatencyOptions {
  /** Sphere radius, km. Default 6 371 (the Earth). */
  readonly radiusKm?: number
  /** Propagation speed, km per ms: light in fibre, about 2/3 c. Default 200. */
  readonly kmPerMs?: number
  /** Routes are longer than great circles by this factor. Default 1.5. */
  readonly routeStretch?: number
  /** Each node's access delay (last mile, one way) is drawn uniformly in [min, max] ms. Default [1, 10]. */
  readonly accessDelayMs?: readonly [number, number]
}

/** A node of the model: where it sits and how slow its access link is. */
export interface GeoNode {
  /** Latitude and longitude, radians. */
  readonly lat: number
  readonly lon: number
  /** One-way access delay, ms. */
  readonly accessMs: number
}

/**
 * A latency matrix from geography: `n` nodes placed uniformly on a sphere,
 * the round trip between two being twice (stretched great-circle distance
 * over fibre speed plus both access delays). Drawn from a `Prng`, so one
 * seed gives one matrix. Apply it to a simulation with
 * `sim.setLink(a, b, { latencyMs: model.oneWayMs(i, j) })` for the pairs in use.
 */
export class GeographicLatency {
  readonly nodes: GeoNode[]
  readonly #kmPerMs: number
  readonly #radiusKm: number
  readonly #stretch: number

  constructor(n: number, rng: Prng, options: GeographicLatencyOptions = {}) {
    const [minAccess, maxAccess] = options.accessDelayMs ?? [1, 10]
    if (!(Number.isInteger(n) && n >= 0)) throw new NetsimError('INVALID_ARGUMENT', `node count must be an integer ≥ 0, got ${n}`)
    if (!(minAccess >= 0 && maxAccess >= minAccess)) throw new NetsimError('INVALID_ARGUMENT', `access delay range [${minAccess}, ${maxAccess}] is not a range of ms ≥ 0`)
    this.#radiusKm = options.radiusKm ?? 6_371
    this.#kmPerMs = options.kmPerMs ?? 200
    this.#stretch = options.routeStretch ?? 1.5
    this.nodes = Array.from({ length: n }, () => ({
      // Uniform on the sphere: latitude from the arcsine of a uniform draw.
      lat: Math.asin(2 * rng.float() - 1),
      lon: 2 * Math.PI * rng.float() - Math.PI,
      accessMs: minAccess + (maxAccess - minAccess) * rng.float()
    }))
  }

  /** Scales node `i`'s access delay by `factor`: a slow node. */
  slowDown(i: number, factor: number): void {
    const node = this.#node(i)
    this.nodes[i] = { ...node, accessMs: node.accessMs * factor }
  }

  /** Great-circle distance between nodes `i` and `j`, km (haversine). */
  distanceKm(i: number, j: number): number {
    const a = this.#node(i)
    const b = this.#node(j)
    const h = Math.sin((b.lat - a.lat) / 2) ** 2 + Math.cos(a.lat) * Math.cos(b.lat) * Math.sin((b.lon - a.lon) / 2) ** 2
    return 2 * this.#radiusKm * Math.asin(Math.min(1, Math.sqrt(h)))
  }

  /** One-way delay from `i` to `j`, ms: propagation plus both access delays. */
  oneWayMs(i: number, j: number): number {
    if (i === j) return 0
    return (this.distanceKm(i, j) * this.#stretch) / this.#kmPerMs + this.#node(i).accessMs + this.#node(j).accessMs
  }

  /** Round trip between `i` and `j`, ms. */
  rttMs(i: number, j: number): number {
    return 2 * this.oneWayMs(i, j)
  }

  #node(i: number): GeoNode {
    const node = this.nodes[i]
    if (node === undefined) throw new NetsimError('UNKNOWN_PEER', `the model has no node ${i}`)
    return node
  }
}
