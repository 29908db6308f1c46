import { contentKey, type ContentId } from '../content-id.js'
import { ByteBudget } from '../transfer/byte-budget.js'

/** What an announcement says of one content. */
export interface AnnouncementDue {
  readonly cid: ContentId
  readonly held: number
  readonly chunks: number
  readonly seeking: boolean
}

/** What this node tells of one content, and when it last did. */
interface Holding {
  readonly cid: ContentId
  held: number
  chunks: number
  seeking: boolean
  sentAt: number | undefined
  /** When the next announcement is due; undefined when none is. */
  due: number | undefined
  /** The announcement of the complete content went out. */
  completed: boolean
}

export interface AnnouncerTiming {
  /** Least time between two announcements of one content, the one on completion excepted, ms. */
  readonly interval: number
  /** A seeking download announces again this often, ms. */
  readonly seekInterval: number
  /** Tokens of the node-wide budget: [per ms, burst]. */
  readonly rate: readonly [number, number]
}

/**
 * When this node announces what it holds, sans I/O. A content is announced
 * as its download or seeding starts; then changes are coalesced — at most one
 * announcement per content each `interval`, however many chunks complete —
 * except completion, announced at once; a seeking download is announced again
 * each `seekInterval`, and a holder again (no sooner than `interval` after its
 * last) when a seeker asks. All of it within one node-wide budget.
 */
export class Announcer {
  readonly #holdings = new Map<string, Holding>()
  readonly #timing: AnnouncerTiming
  readonly #budget: ByteBudget

  constructor(timing: AnnouncerTiming, now: number) {
    this.#timing = timing
    this.#budget = new ByteBudget(timing.rate[0], timing.rate[1], now)
  }

  /** What this node holds of `cid` now; the first call (starting a download or seeding) announces at once. */
  set(cid: ContentId, held: number, chunks: number, seeking: boolean, now: number): void {
    const key = contentKey(cid)
    const holding = this.#holdings.get(key)
    if (holding === undefined) {
      this.#holdings.set(key, { cid, held, chunks, seeking, sentAt: undefined, due: now, completed: false })
      return
    }
    if (holding.held === held && holding.chunks === chunks && holding.seeking === seeking) return
    holding.held = held
    holding.chunks = chunks
    holding.seeking = seeking
    if (!seeking && held === chunks && !holding.completed) holding.due = now
    else this.#soon(holding, now)
  }

  /** A seeker looks for `cid`: announce it again, at most once per interval, when this node holds any of it. */
  sought(cid: ContentId, now: number): void {
    const holding = this.#holdings.get(contentKey(cid))
    // Empty content is held whole with no chunk at all.
    if (holding !== undefined && (holding.held > 0 || !holding.seeking)) this.#soon(holding, now)
  }

  forget(cid: ContentId): void {
    this.#holdings.delete(contentKey(cid))
  }

  /** The announcements due by `now` that the budget allows; the others wait for it. */
  take(now: number): AnnouncementDue[] {
    const due: AnnouncementDue[] = []
    for (const holding of this.#holdings.values()) {
      if (holding.due === undefined || holding.due > now) continue
      if (!this.#budget.take(1, now)) {
        holding.due = now + 1 / this.#timing.rate[0]
        continue
      }
      const { cid, held, chunks, seeking } = holding
      due.push({ cid, held, chunks, seeking })
      holding.sentAt = now
      if (!seeking && held === chunks) holding.completed = true
      holding.due = seeking ? now + this.#timing.seekInterval : undefined
    }
    return due
  }

  nextDeadline(): number | undefined {
    let deadline = Infinity
    for (const holding of this.#holdings.values()) deadline = Math.min(deadline, holding.due ?? Infinity)
    return deadline === Infinity ? undefined : deadline
  }

  /** Due no later than `interval` after the last announcement (now if that has passed). */
  #soon(holding: Holding, now: number): void {
    const at = Math.max(now, (holding.sentAt ?? -Infinity) + this.#timing.interval)
    holding.due = Math.min(holding.due ?? Infinity, at)
  }
}
