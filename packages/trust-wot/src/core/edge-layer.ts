/** One edge's level changed: what a trust view needs to update itself. */
export interface EdgeChange {
  readonly truster: number
  readonly trustee: number
  /** The edge's level before and after; 0 is no edge. */
  readonly before: number
  readonly after: number
  /** The sum of the truster's levels before and after. */
  readonly sumBefore: number
  readonly sumAfter: number
}

/** A truster's edges as parallel arrays, `to[i]` trusted at `level[i]`: the metric walks them by index. */
export interface OutEdges {
  readonly to: readonly number[]
  readonly level: readonly number[]
}

interface MutableOutEdges {
  readonly to: number[]
  readonly level: number[]
  /** Where each trustee sits in the arrays. */
  readonly at: Map<number, number>
  sum: number
}

/**
 * The trust edges of one scope, between identities named by dense indices:
 * each truster's trustees with their levels, and the sum of those levels,
 * which is what a truster's trust is shared out of. Listeners hear every
 * change, after it is made.
 */
export class EdgeLayer {
  readonly #out: (MutableOutEdges | undefined)[] = []
  readonly #listeners = new Set<(change: EdgeChange) => void>()
  #edges = 0
  #nodes = 0

  /** Edges in the layer. */
  get size(): number {
    return this.#edges
  }

  /** One more than the highest index of any identity that ever had an edge here. */
  get nodes(): number {
    return this.#nodes
  }

  level(truster: number, trustee: number): number {
    const out = this.#out[truster]
    const at = out?.at.get(trustee)
    return at === undefined ? 0 : out!.level[at]!
  }

  /** The sum of `truster`'s levels. */
  sum(truster: number): number {
    return this.#out[truster]?.sum ?? 0
  }

  /** `truster`'s trustees and their levels; undefined when it trusts nobody here. */
  trustees(truster: number): OutEdges | undefined {
    return this.#out[truster]
  }

  /** Sets an edge's level (0 removes it) and tells the listeners when it changed. */
  set(truster: number, trustee: number, level: number): void {
    let out = this.#out[truster]
    const at = out?.at.get(trustee)
    const before = at === undefined ? 0 : out!.level[at]!
    if (before === level) return
    this.#nodes = Math.max(this.#nodes, truster + 1, trustee + 1)
    if (out === undefined) {
      out = { to: [], level: [], at: new Map(), sum: 0 }
      this.#out[truster] = out
    }
    if (level === 0) {
      // Swap-remove: the last edge takes the removed one's place.
      const last = out.to.length - 1
      const moved = out.to[last]!
      out.to[at!] = moved
      out.level[at!] = out.level[last]!
      out.at.set(moved, at!)
      out.to.pop()
      out.level.pop()
      out.at.delete(trustee)
      this.#edges--
    } else if (at === undefined) {
      out.at.set(trustee, out.to.length)
      out.to.push(trustee)
      out.level.push(level)
      this.#edges++
    } else {
      out.level[at] = level
    }
    const sumBefore = out.sum
    out.sum = sumBefore - before + level
    const change = { truster, trustee, before, after: level, sumBefore, sumAfter: out.sum }
    for (const listener of this.#listeners) listener(change)
  }

  /** Every edge, truster by truster. */
  *edges(): Generator<readonly [truster: number, trustee: number, level: number]> {
    for (const [truster, out] of this.#out.entries()) {
      if (out === undefined) continue
      for (let i = 0; i < out.to.length; i++) yield [truster, out.to[i]!, out.level[i]!]
    }
  }

  onChange(listener: (change: EdgeChange) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
