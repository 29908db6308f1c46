import type { TrustGraph } from './graph.js'
import type { TrustView } from './metric.js'

/** A change of one identity's trust, as a fraction of the viewer's budget. */
export interface TrustShift {
  /** The identity's public key, hex. */
  readonly key: string
  readonly before: number
  readonly after: number
}

/**
 * Trust from one viewer in one scope, by public key: a {@link TrustView} over
 * the graph's indices, read and reported in hex keys and fractions of the
 * viewer's budget. It follows the graph as records arrive, are revoked and
 * lapse.
 */
export class Viewpoint {
  /** The viewer's public key, hex. */
  readonly viewer: string
  readonly scope: string
  readonly #graph: TrustGraph
  readonly #view: TrustView
  readonly #onClose: () => void

  constructor(graph: TrustGraph, view: TrustView, viewer: string, scope: string, onClose: () => void = () => {}) {
    this.#graph = graph
    this.#view = view
    this.viewer = viewer
    this.scope = scope
    this.#onClose = onClose
  }

  /** `key`'s (hex) trust as a fraction of the viewer's budget: 1 for the viewer, 0 for an identity out of reach. */
  trust(key: string): number {
    const node = this.#graph.indexOf(key)
    return node === undefined ? 0 : this.#view.trust(node)
  }

  /** Every identity with trust above zero, the viewer included. */
  *entries(): Generator<readonly [key: string, trust: number]> {
    const budget = this.#view.params.budget
    for (const [node, units] of this.#view.entries()) yield [this.#graph.keyOf(node), units / budget]
  }

  /** Identities with trust above zero, the viewer excepted. */
  get reached(): number {
    return this.#view.reached
  }

  /** Calls `listener` with the identities whose trust changed, after each change of the graph that changed some. */
  onChange(listener: (shifts: readonly TrustShift[]) => void): () => void {
    const budget = this.#view.params.budget
    return this.#view.onChange((changes) =>
      listener(changes.map(({ node, before, after }) => ({ key: this.#graph.keyOf(node), before: before / budget, after: after / budget })))
    )
  }

  /** The underlying view, in indices and units. */
  get view(): TrustView {
    return this.#view
  }

  /** Stops following the graph (its holder forgets it: asked for again, it is computed anew). */
  close(): void {
    this.#view.close()
    this.#onClose()
  }
}
