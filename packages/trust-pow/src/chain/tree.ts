import { workOf } from './header.js'
import type { Block } from './block.js'

/** A fully validated block in the tree of every branch this node knows. */
export interface BlockEntry {
  readonly block: Block
  readonly parent: BlockEntry | undefined
  readonly height: number
  /** Cumulative work from genesis through this block. */
  readonly work: bigint
  /** Its transactions' ids, in block order. */
  readonly txIds: readonly string[]
}

/** How the best chain moved: blocks taken off its top (newest first) and put on (oldest first). */
export interface TipChange {
  readonly fork: BlockEntry
  readonly disconnected: readonly BlockEntry[]
  readonly connected: readonly BlockEntry[]
}

/**
 * Every validated block, the best chain (greatest cumulative work; the first
 * seen wins a tie) and the height of each transaction on it.
 */
export class BlockTree {
  readonly #entries = new Map<string, BlockEntry>()
  readonly #main: BlockEntry[] = []
  readonly #txHeight = new Map<string, number>()
  // The entry of greatest work (the first seen among equals): the tip once adopted.
  #best: BlockEntry

  constructor(genesis: Block) {
    const entry: BlockEntry = { block: genesis, parent: undefined, height: 0, work: workOf(genesis.header.target), txIds: [] }
    this.#entries.set(genesis.id, entry)
    this.#main.push(entry)
    this.#best = entry
  }

  get tip(): BlockEntry {
    return this.#main[this.#main.length - 1]!
  }

  get size(): number {
    return this.#entries.size
  }

  get(id: string): BlockEntry | undefined {
    return this.#entries.get(id)
  }

  /** The best chain's block at `height`. */
  atHeight(height: number): BlockEntry | undefined {
    return this.#main[height]
  }

  onMain(entry: BlockEntry): boolean {
    return this.#main[entry.height] === entry
  }

  /** The height of the best-chain block holding transaction `id`. */
  txHeight(id: string): number | undefined {
    return this.#txHeight.get(id)
  }

  /** `entry`'s ancestor (or itself) at `height` ≤ its own. */
  ancestor(entry: BlockEntry, height: number): BlockEntry {
    let at = entry
    while (at.height > height && !this.onMain(at)) at = at.parent!
    return this.onMain(at) ? this.#main[height]! : at
  }

  /** The first of `ids` already on the branch ending at `parent`, if any. */
  duplicateOnBranch(parent: BlockEntry, ids: readonly string[]): string | undefined {
    const side = new Set<string>()
    let at = parent
    while (!this.onMain(at)) {
      for (const id of at.txIds) side.add(id)
      at = at.parent!
    }
    const fork = at.height
    return ids.find((id) => side.has(id) || (this.#txHeight.get(id) ?? Infinity) <= fork)
  }

  /** The median timestamp of up to `span` blocks ending at `parent`. */
  medianTime(parent: BlockEntry, span: number): number {
    const times: number[] = []
    for (let at: BlockEntry | undefined = parent; at !== undefined && times.length < span; at = at.parent) times.push(at.block.header.timestamp)
    times.sort((a, b) => a - b)
    return times[Math.floor(times.length / 2)]!
  }

  /** Adds a validated block whose parent is in the tree; the best chain moves only at {@link adoptBest}. */
  add(block: Block, parent: BlockEntry, txIds: readonly string[]): BlockEntry {
    const entry: BlockEntry = { block, parent, height: parent.height + 1, work: parent.work + workOf(block.header.target), txIds }
    this.#entries.set(block.id, entry)
    if (entry.work > this.#best.work) this.#best = entry
    return entry
  }

  /**
   * Makes the branch of greatest work the best chain, and returns how it moved,
   * if it did. Called once per batch of blocks, so a branch arriving in one
   * batch replaces the old one in one step, not block by block.
   */
  adoptBest(): TipChange | undefined {
    if (this.#best === this.tip) return undefined
    const connected: BlockEntry[] = []
    let fork = this.#best
    while (!this.onMain(fork)) {
      connected.push(fork)
      fork = fork.parent!
    }
    connected.reverse()
    const disconnected = this.#main.splice(fork.height + 1).reverse()
    for (const gone of disconnected) for (const id of gone.txIds) this.#txHeight.delete(id)
    for (const added of connected) {
      this.#main.push(added)
      for (const id of added.txIds) this.#txHeight.set(id, added.height)
    }
    return { fork, disconnected, connected }
  }

  /** Hashes of the best chain, newest first: ten one apart, then doubling gaps, always ending at genesis. */
  locator(): Uint8Array[] {
    const hashes: Uint8Array[] = []
    let step = 1
    for (let height = this.tip.height; height > 0; height -= step) {
      hashes.push(this.#main[height]!.block.hash)
      if (hashes.length >= 10) step *= 2
    }
    hashes.push(this.#main[0]!.block.hash)
    return hashes
  }

  /** Best-chain headers after the first locator hash on the best chain (else after genesis), through `stop`, at most `max`. */
  headersAfter(locator: readonly string[], stop: string | undefined, max: number): BlockEntry[] {
    const known = locator.map((id) => this.#entries.get(id)).find((entry) => entry !== undefined && this.onMain(entry))
    const out: BlockEntry[] = []
    for (let height = (known?.height ?? 0) + 1; height < this.#main.length && out.length < max; height++) {
      const entry = this.#main[height]!
      out.push(entry)
      if (entry.block.id === stop) break
    }
    return out
  }
}
