/** What the event queue orders: virtual time first, then insertion sequence. */
export interface Timed {
  time: number
  seq: number
}

/**
 * A binary min-heap keyed by (time, seq). The sequence number breaks ties in
 * insertion order, which is what makes simultaneous events deterministic.
 */
export class EventQueue<T extends Timed> {
  readonly #items: T[] = []
  #seq = 0

  get size(): number {
    return this.#items.length
  }

  /** Stamps `item` with the next sequence number and inserts it at `item.time`. */
  push(item: T): void {
    item.seq = this.#seq++
    const items = this.#items
    let i = items.length
    items.push(item)
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = items[parent]!
      if (p.time < item.time || (p.time === item.time && p.seq < item.seq)) break
      items[i] = p
      i = parent
    }
    items[i] = item
  }

  peek(): T | undefined {
    return this.#items[0]
  }

  pop(): T | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    // Sift `last` down from the root.
    const n = items.length
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      let c = l
      let child = items[l]!
      if (r < n) {
        const right = items[r]!
        if (right.time < child.time || (right.time === child.time && right.seq < child.seq)) {
          c = r
          child = right
        }
      }
      if (last.time < child.time || (last.time === child.time && last.seq < child.seq)) break
      items[i] = child
      i = c
    }
    items[i] = last
    return top
  }
}
