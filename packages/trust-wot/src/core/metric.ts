import { MAX_LEVEL, METRIC_DEFAULTS } from './constants.js'
import type { EdgeChange, EdgeLayer } from './edge-layer.js'
import { TrustWotError } from './errors.js'

/**
 * The trust metric's parameters. Trust spreads from the viewer like energy
 * (after Appleseed, Ziegler and Lausen's spreading-activation metric): the
 * viewer starts with `budget` units; an identity reached by `e` units at step
 * `d` passes `floor(e · decay/100 · level / max(Σ levels, 100))` to each of
 * its trustees at step `d + 1`, up to `maxDepth` steps. An identity's trust is
 * the sum of the energy reaching it at every step.
 */
export interface MetricParams {
  /** Units the viewer starts with; trust is reported as a fraction of it. Default 10^9. */
  readonly budget: number
  /** Percent of the energy reaching an identity that it passes on, 1-50. Default 50. */
  readonly decay: number
  /** Most steps from the viewer, 1-16. Default 6. */
  readonly maxDepth: number
}

/** Fills in the defaults and checks the ranges (which keep every sum an exact integer). */
export function resolveMetric(options: Partial<MetricParams> = {}): MetricParams {
  const params = { ...METRIC_DEFAULTS, ...options }
  check(params.budget, 1, 2 ** 32, 'budget')
  check(params.decay, 1, 50, 'decay')
  check(params.maxDepth, 1, 16, 'maxDepth')
  return params
}

function check(value: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new TrustWotError('INVALID_OPTION', `${name} must be an integer from ${min} to ${max}, not ${value}`)
}

/** An identity whose trust changed, in units. */
export interface TrustChange {
  readonly node: number
  readonly before: number
  readonly after: number
}

/**
 * Trust from one viewer over one {@link EdgeLayer}, kept up to date as edges
 * change. It holds the energy reaching each identity at each step; an edge
 * change recomputes the truster's shares at the steps it holds energy, and
 * propagates the differences step by step, only along edges whose share
 * actually changed. Every share is a floor of exact integers, so the result is
 * the same, to the unit, as {@link computeTrust} from scratch.
 */
export class TrustView {
  readonly viewer: number
  readonly params: MetricParams
  readonly #layer: EdgeLayer
  readonly #stride: number
  /** Energy reaching node n at step d: `#energy[n * stride + d]`. */
  #energy: Float64Array
  /** The sum over steps 1..maxDepth, per node. */
  #total: Float64Array
  /** Nodes with trust above zero. */
  readonly #reached = new Set<number>()
  // During an update: the energies and totals touched, with their values before it. A slot belongs to the
  // current update when its mark equals `#epoch`, so nothing needs clearing between updates.
  #energyBefore: Float64Array
  #energyMark: Uint32Array
  #totalBefore: Float64Array
  #totalMark: Uint32Array
  /** Per step, the nodes whose energy the current update touched. */
  readonly #touched: number[][]
  readonly #totalsTouched: number[] = []
  #epoch = 0
  readonly #listeners = new Set<(changes: readonly TrustChange[]) => void>()
  readonly #unsubscribe: () => void

  constructor(layer: EdgeLayer, viewer: number, params: MetricParams) {
    this.viewer = viewer
    this.params = params
    this.#layer = layer
    this.#stride = params.maxDepth + 1
    this.#touched = Array.from({ length: this.#stride }, () => [])
    const capacity = Math.max(64, viewer + 1, layer.nodes)
    this.#energy = new Float64Array(capacity * this.#stride)
    this.#energyBefore = new Float64Array(capacity * this.#stride)
    this.#energyMark = new Uint32Array(capacity * this.#stride)
    this.#total = new Float64Array(capacity)
    this.#totalBefore = new Float64Array(capacity)
    this.#totalMark = new Uint32Array(capacity)
    this.#spreadFromScratch()
    this.#unsubscribe = layer.onChange((change) => this.#apply(change))
  }

  /** `node`'s trust in units: the viewer has the whole budget. */
  units(node: number): number {
    if (node === this.viewer) return this.params.budget
    return node < this.#total.length ? this.#total[node]! : 0
  }

  /** `node`'s trust as a fraction of the viewer's budget. */
  trust(node: number): number {
    return this.units(node) / this.params.budget
  }

  /** Every node with trust above zero, the viewer included, with its units. */
  *entries(): Generator<readonly [node: number, units: number]> {
    yield [this.viewer, this.params.budget]
    for (const node of this.#reached) if (node !== this.viewer) yield [node, this.#total[node]!]
  }

  /** Nodes with trust above zero, the viewer excepted. */
  get reached(): number {
    return this.#reached.size - (this.#reached.has(this.viewer) ? 1 : 0)
  }

  /** The energy reaching `node` at each step 0..maxDepth (the viewer's budget at step 0). */
  energy(node: number): number[] {
    if (node * this.#stride >= this.#energy.length) return new Array<number>(this.#stride).fill(0)
    return Array.from(this.#energy.subarray(node * this.#stride, (node + 1) * this.#stride))
  }

  /** Calls `listener` after each edge change that changed some trust, with the changes. */
  onChange(listener: (changes: readonly TrustChange[]) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Stops following the layer. */
  close(): void {
    this.#unsubscribe()
    this.#listeners.clear()
  }

  #spreadFromScratch(): void {
    for (const node of spread(this.#layer, this.viewer, this.params, this.#energy, this.#stride)) {
      let sum = 0
      for (let d = 1; d < this.#stride; d++) sum += this.#energy[node * this.#stride + d]!
      this.#total[node] = sum
      if (sum > 0) this.#reached.add(node)
    }
  }

  #apply(change: EdgeChange): void {
    const { truster, trustee, before, after } = change
    this.#ensure(Math.max(truster, trustee))
    this.#epoch = (this.#epoch + 1) >>> 0
    if (this.#epoch === 0) {
      // Once in 2^32 updates the marks wrap: clear them, so none looks current.
      this.#energyMark.fill(0)
      this.#totalMark.fill(0)
      this.#epoch = 1
    }
    const stride = this.#stride
    const decay = this.params.decay
    const denBefore = MAX_LEVEL * Math.max(change.sumBefore, MAX_LEVEL)
    const denAfter = MAX_LEVEL * Math.max(change.sumAfter, MAX_LEVEL)
    const others = denBefore === denAfter ? undefined : this.#layer.trustees(truster)
    for (let d = 0; d < this.params.maxDepth; d++) {
      const weighted = this.#energy[truster * stride + d]! * decay
      if (weighted === 0) continue
      // The trustee's own share, then, when the sum of levels moved, every other trustee's.
      this.#add(trustee, d + 1, Math.floor((weighted * after) / denAfter) - Math.floor((weighted * before) / denBefore))
      if (others === undefined) continue
      const { to, level } = others
      for (let i = 0; i < to.length; i++) {
        const other = to[i]!
        if (other !== trustee) this.#add(other, d + 1, Math.floor((weighted * level[i]!) / denAfter) - Math.floor((weighted * level[i]!) / denBefore))
      }
    }
    this.#propagate()
  }

  /** Passes on every step's energy differences, step by step, along the edges whose shares they change. */
  #propagate(): void {
    const stride = this.#stride
    const decay = this.params.decay
    for (let d = 1; d < this.params.maxDepth; d++) {
      const touched = this.#touched[d]!
      for (let t = 0; t < touched.length; t++) {
        const node = touched[t]!
        const at = node * stride + d
        const now = this.#energy[at]! * decay
        const old = this.#energyBefore[at]! * decay
        const out = now === old ? undefined : this.#layer.trustees(node)
        if (out === undefined) continue
        const den = MAX_LEVEL * Math.max(this.#layer.sum(node), MAX_LEVEL)
        const { to, level } = out
        for (let i = 0; i < to.length; i++) this.#add(to[i]!, d + 1, Math.floor((now * level[i]!) / den) - Math.floor((old * level[i]!) / den))
      }
      touched.length = 0
    }
    this.#touched[this.params.maxDepth]!.length = 0
    this.#settle()
  }

  #add(node: number, step: number, delta: number): void {
    if (delta === 0) return
    const at = node * this.#stride + step
    if (this.#energyMark[at] !== this.#epoch) {
      this.#energyMark[at] = this.#epoch
      this.#energyBefore[at] = this.#energy[at]!
      this.#touched[step]!.push(node)
    }
    this.#energy[at]! += delta
    if (this.#totalMark[node] !== this.#epoch) {
      this.#totalMark[node] = this.#epoch
      this.#totalBefore[node] = this.#total[node]!
      this.#totalsTouched.push(node)
    }
    this.#total[node]! += delta
  }

  /** Reports the totals that changed, and keeps the set of reached nodes. */
  #settle(): void {
    const touched = this.#totalsTouched
    if (touched.length === 0) return
    const changes: TrustChange[] = []
    for (const node of touched) {
      const before = this.#totalBefore[node]!
      const after = this.#total[node]!
      if (after === before) continue
      if (this.#listeners.size > 0) changes.push({ node, before, after })
      if (after > 0) this.#reached.add(node)
      else this.#reached.delete(node)
    }
    touched.length = 0
    if (changes.length > 0) for (const listener of this.#listeners) listener(changes)
  }

  #ensure(node: number): void {
    if (node < this.#total.length) return
    const capacity = Math.max(node + 1, this.#total.length * 2)
    const grow = <T extends Float64Array | Uint32Array>(from: T, make: (length: number) => T, perNode: number): T => {
      const to = make(capacity * perNode)
      to.set(from)
      return to
    }
    const floats = (length: number) => new Float64Array(length)
    const marks = (length: number) => new Uint32Array(length)
    this.#energy = grow(this.#energy, floats, this.#stride)
    this.#energyBefore = grow(this.#energyBefore, floats, this.#stride)
    this.#energyMark = grow(this.#energyMark, marks, this.#stride)
    this.#total = grow(this.#total, floats, 1)
    this.#totalBefore = grow(this.#totalBefore, floats, 1)
    this.#totalMark = grow(this.#totalMark, marks, 1)
  }
}

/**
 * Spreads the viewer's budget over `layer`, step by step, into `energy`
 * (`energy[n * stride + d]`, zero on entry, with room for every node of the
 * layer). Returns the nodes reached at some step, each once.
 */
function spread(layer: EdgeLayer, viewer: number, params: MetricParams, energy: Float64Array, stride: number): number[] {
  const seen = new Uint8Array(energy.length / stride)
  const reached: number[] = []
  energy[viewer * stride] = params.budget
  let frontier = [viewer]
  for (let d = 0; d < params.maxDepth; d++) {
    const next: number[] = []
    for (const node of frontier) {
      const out = layer.trustees(node)
      if (out === undefined) continue
      const weighted = energy[node * stride + d]! * params.decay
      const den = MAX_LEVEL * Math.max(layer.sum(node), MAX_LEVEL)
      const { to, level } = out
      for (let i = 0; i < to.length; i++) {
        const trustee = to[i]!
        const share = Math.floor((weighted * level[i]!) / den)
        if (share === 0) continue
        const at = trustee * stride + d + 1
        if (energy[at] === 0) next.push(trustee)
        energy[at]! += share
        if (seen[trustee] === 0) {
          seen[trustee] = 1
          reached.push(trustee)
        }
      }
    }
    frontier = next
  }
  return reached
}

/**
 * Trust from `viewer` over `layer`, computed from scratch: each reached node's
 * units, the viewer's own excepted. The reference an incremental
 * {@link TrustView} always equals.
 */
export function computeTrust(layer: EdgeLayer, viewer: number, params: MetricParams): Map<number, number> {
  const stride = params.maxDepth + 1
  const energy = new Float64Array(Math.max(layer.nodes, viewer + 1) * stride)
  const result = new Map<number, number>()
  for (const node of spread(layer, viewer, params, energy, stride)) {
    if (node === viewer) continue
    let sum = 0
    for (let d = 1; d < stride; d++) sum += energy[node * stride + d]!
    result.set(node, sum)
  }
  return result
}
