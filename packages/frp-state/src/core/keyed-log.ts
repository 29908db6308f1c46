import { compareOps } from './hlc.js'
import type { CheckpointBudget } from './checkpoints.js'
import type { Op } from './op.js'

/** The value after the first `index` ops of a log. */
interface Checkpoint<S> {
  readonly index: number
  readonly value: S
}

/** Folds one op into a value; an op the reducer throws on leaves the value as it was, on every peer alike. */
export type Fold<S> = (value: S, op: Op) => S

/**
 * The ops of one reducer key in one view, in canonical order, with the value
 * they reduce to. Appending folds one op; an op that lands before others
 * (late, or removed when nullified) rolls back to the nearest checkpoint at or
 * before it and replays only what follows, so no change replays from the start.
 */
export class KeyedLog<S> {
  readonly #ops: Op[] = []
  readonly #checkpoints: Checkpoint<S>[] = []
  readonly #fold: Fold<S>
  readonly #budget: CheckpointBudget
  /** The value before the first op still held (ops compacted away are folded into it). */
  #base: S
  #value: S

  constructor(base: S, fold: Fold<S>, budget: CheckpointBudget) {
    this.#base = base
    this.#value = base
    this.#fold = fold
    this.#budget = budget
  }

  get value(): S {
    return this.#value
  }

  get base(): S {
    return this.#base
  }

  get size(): number {
    return this.#ops.length
  }

  /** Inserts `op` in its place; true when ops already applied came after it, so the change rewrote the past. */
  insert(op: Op): boolean {
    const index = this.#position(op)
    if (index === this.#ops.length) {
      this.#ops.push(op)
      this.#value = this.#fold(this.#value, op)
      this.#maybeCheckpoint()
      return false
    }
    this.#ops.splice(index, 0, op)
    this.#replayFrom(index)
    return true
  }

  /** Removes `op` if held; answers whether it was. */
  remove(op: Op): boolean {
    const index = this.#position(op)
    if (this.#ops[index] !== op) return false
    this.#ops.splice(index, 1)
    this.#replayFrom(index)
    return true
  }

  /**
   * Folds the leading ops that are `final` into the base and forgets them:
   * nothing will be inserted before them again. Answers whether any went.
   */
  compact(final: (op: Op) => boolean): boolean {
    let count = 0
    while (count < this.#ops.length && final(this.#ops[count]!)) count++
    if (count === 0) return false
    this.#base = this.#valueAt(count)
    this.#ops.splice(0, count)
    let dropped = 0
    while (this.#checkpoints.length > 0 && this.#checkpoints[0]!.index <= count) {
      this.#checkpoints.shift()
      dropped++
    }
    this.#budget.removed(dropped)
    for (const [i, checkpoint] of this.#checkpoints.entries()) this.#checkpoints[i] = { index: checkpoint.index - count, value: checkpoint.value }
    return true
  }

  /** Drops the checkpoints off spacing `every`; returns how many went. */
  thin(every: number): number {
    const before = this.#checkpoints.length
    const kept = this.#checkpoints.filter((checkpoint) => checkpoint.index % every === 0)
    this.#checkpoints.length = 0
    this.#checkpoints.push(...kept)
    return before - kept.length
  }

  /** Forgets every checkpoint, returning the budget they used. */
  release(): void {
    this.#budget.removed(this.#checkpoints.length)
    this.#checkpoints.length = 0
  }

  // Binary search: the index of the first op not before `op`.
  #position(op: Op): number {
    let low = 0
    let high = this.#ops.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (compareOps(this.#ops[mid]!, op) < 0) low = mid + 1
      else high = mid
    }
    return low
  }

  // The nearest checkpoint at or before `index`, or the base.
  #checkpointAtOrBefore(index: number): Checkpoint<S> {
    let low = 0
    let high = this.#checkpoints.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.#checkpoints[mid]!.index <= index) low = mid + 1
      else high = mid
    }
    return low === 0 ? { index: 0, value: this.#base } : this.#checkpoints[low - 1]!
  }

  #valueAt(index: number): S {
    const start = this.#checkpointAtOrBefore(index)
    let value = start.value
    for (let i = start.index; i < index; i++) value = this.#fold(value, this.#ops[i]!)
    return value
  }

  // Checkpoints past `index` describe a past that no longer holds: drop them, then replay from the one before.
  #replayFrom(index: number): void {
    let dropped = 0
    while (this.#checkpoints.length > 0 && this.#checkpoints.at(-1)!.index > index) {
      this.#checkpoints.pop()
      dropped++
    }
    this.#budget.removed(dropped)
    const start = this.#checkpointAtOrBefore(index)
    let value = start.value
    for (let i = start.index; i < this.#ops.length; i++) {
      value = this.#fold(value, this.#ops[i]!)
      if ((i + 1) % this.#budget.every === 0 && i + 1 > start.index) this.#addCheckpoint(i + 1, value)
    }
    this.#value = value
  }

  #maybeCheckpoint(): void {
    if (this.#ops.length % this.#budget.every === 0) this.#addCheckpoint(this.#ops.length, this.#value)
  }

  #addCheckpoint(index: number, value: S): void {
    if (this.#checkpoints.length > 0 && this.#checkpoints.at(-1)!.index >= index) return
    this.#checkpoints.push({ index, value })
    this.#budget.added()
  }
}
