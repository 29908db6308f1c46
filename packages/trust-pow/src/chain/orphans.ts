import type { PeerRef } from '@dscs/interface'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Block } from './block.js'

export interface OrphanPoolOptions {
  readonly maxBlocks: number
  readonly maxBytes: number
}

interface Orphan {
  readonly block: Block
  readonly from: PeerRef | undefined
}

/**
 * Blocks whose parent is not known yet, bounded in count and bytes; past a
 * bound the least recently added go, so a flood of orphans costs a fixed
 * amount of memory whatever its size.
 */
export class OrphanPool {
  readonly #blocks = new Map<string, Orphan>()
  readonly #byParent = new Map<string, Set<string>>()
  readonly #options: OrphanPoolOptions
  #bytes = 0

  constructor(options: OrphanPoolOptions) {
    this.#options = options
  }

  get size(): number {
    return this.#blocks.size
  }

  get bytes(): number {
    return this.#bytes
  }

  has(id: string): boolean {
    return this.#blocks.has(id)
  }

  add(block: Block, parent: string, from: PeerRef | undefined): void {
    if (this.#blocks.has(block.id)) return
    this.#blocks.set(block.id, { block, from })
    this.#bytes += block.bytes.length
    let children = this.#byParent.get(parent)
    if (children === undefined) this.#byParent.set(parent, (children = new Set()))
    children.add(block.id)
    while (this.#blocks.size > this.#options.maxBlocks || this.#bytes > this.#options.maxBytes) {
      const [oldest] = this.#blocks.keys()
      this.#remove(oldest!)
    }
  }

  /** Removes and returns the orphans whose parent is `parent`. */
  takeChildren(parent: string): Orphan[] {
    const children = this.#byParent.get(parent)
    if (children === undefined) return []
    const taken = [...children].map((id) => this.#blocks.get(id)!)
    for (const orphan of taken) this.#remove(orphan.block.id)
    return taken
  }

  #remove(id: string): void {
    const orphan = this.#blocks.get(id)!
    this.#blocks.delete(id)
    this.#bytes -= orphan.block.bytes.length
    const key = bytesToHex(orphan.block.header.parent)
    const siblings = this.#byParent.get(key)
    siblings?.delete(id)
    if (siblings?.size === 0) this.#byParent.delete(key)
  }
}
