import type { PeerRef } from '@dscs/interface'
import type { PartitionChange } from '../core/partition.js'

/** What one layer found when it reconciled with the members that rejoined. */
export interface LayerHealReport {
  readonly layer: string
  /** Items that differed between the components and were exchanged (ops, updates, blocks, entries). */
  readonly diverged: number
  /** Of `diverged`, where the layer tells: the items this node took from the rejoined members, and those it sent them. */
  readonly received?: number
  readonly sent?: number
  /** Rejoined members this layer could not reconcile with, and why (the others were reconciled all the same). */
  readonly peerErrors?: readonly { readonly peer: PeerRef; readonly error: unknown }[]
  /** Items this layer nullified: writes the heal did not confirm, a losing fork's transactions. */
  readonly nullified: number
  /** The ids of the nullified items, where the layer names them (a losing fork's transactions). */
  readonly nullifiedIds?: readonly string[]
  /** Of the nullified, how many went back to be written again (transactions requeued to be mined on the winning chain). */
  readonly requeued?: number
  /** Set when the heal caught a party showing the two components different histories: the kind of evidence (an observer's `fork`). */
  readonly equivocation?: string
}

/** Everything one heal did, layer by layer. */
export interface HealReport {
  readonly epoch: number
  readonly rejoined: readonly PeerRef[]
  readonly layers: readonly LayerHealReport[]
  /** Layers whose reconciliation failed, with the error. */
  readonly failed: readonly { readonly layer: string; readonly error: unknown }[]
}

/** A layer that reconciles when components rejoin: frp-state anti-entropy, Yjs resync, chain sync, log consistency. */
export interface HealLayer {
  readonly name: string
  /** Reconciles with `rejoined`, the members back in this node's component at `epoch`. */
  heal(rejoined: readonly PeerRef[], epoch: number): Promise<LayerHealReport> | LayerHealReport
}

/**
 * The one place a heal goes through: feed it every partition change
 * ({@link Healer.onPartition}); when members rejoin the component it calls
 * every registered layer, each on its own, and reports what each found.
 */
export class Healer {
  readonly #layers = new Map<string, HealLayer>()

  register(layer: HealLayer): () => void {
    this.#layers.set(layer.name, layer)
    return () => this.#layers.delete(layer.name)
  }

  /** Heals when `change` brought members back; resolves to undefined when it brought none. */
  async onPartition(change: PartitionChange): Promise<HealReport | undefined> {
    if (change.joined.length === 0) return undefined
    const layers: LayerHealReport[] = []
    const failed: { layer: string; error: unknown }[] = []
    for (const layer of this.#layers.values()) {
      try {
        layers.push(await layer.heal(change.joined, change.state.epoch))
      } catch (error) {
        // One layer's failure must not keep the others from reconciling.
        failed.push({ layer: layer.name, error })
      }
    }
    return { epoch: change.state.epoch, rejoined: change.joined, layers, failed }
  }
}
