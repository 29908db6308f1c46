/** A deadline: at `at`, something about `key` is due, if `id` still names what the key holds then. */
export interface Deadline {
  readonly at: number
  readonly key: string
  readonly id: string
}

/**
 * Deadlines in time order (a binary min-heap). Entries are never removed
 * early: a deadline whose record was superseded meanwhile is skipped when it
 * comes due, so a change costs one push, not a search.
 */
export class Deadlines {
  readonly #heap: Deadline[] = []

  get size(): number {
    return this.#heap.length
  }

  /** The earliest deadline, or undefined when none is left. */
  get next(): number | undefined {
    return this.#heap[0]?.at
  }

  push(deadline: Deadline): void {
    const heap = this.#heap
    let i = heap.length
    heap.push(deadline)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.at <= deadline.at) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = deadline
  }

  /** Removes and returns every deadline at or before `now`, earliest first. */
  *due(now: number): Generator<Deadline> {
    while (this.#heap.length > 0 && this.#heap[0]!.at <= now) yield this.#pop()
  }

  #pop(): Deadline {
    const heap = this.#heap
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length === 0) return top
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left
      if (heap[child]!.at >= last.at) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
    return top
  }
}
