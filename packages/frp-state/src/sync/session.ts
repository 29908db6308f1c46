import { FrpStateError } from '../core/errors.js'
import type { OpPosition } from '../core/hlc.js'
import { END, START, compareBounds, type Bound } from './bound.js'
import { DEFAULT_BRANCHING, DEFAULT_LIST_THRESHOLD, DEFAULT_MAX_ROUNDS, MAX_LISTED_IDS } from './constants.js'
import { idPrefixKey } from './keys.js'
import { decodeSyncMessage } from './message-reader.js'
import type { SyncRange } from './message.js'
import type { OpIndex } from './op-index.js'
import { ReplyBuilder, type OpenRange, type SplitPolicy } from './reply-builder.js'

/** Tuning of a session; each only shapes what we send, so peers need not agree on them. */
export interface ReconcileOptions {
  /** Parts a differing range is split into, 2…64. Default 16. */
  readonly branching?: number
  /** A differing range where we hold at most this many ops is sent as their ids; at least `branching - 1`, at most 256. Default 32. */
  readonly listThreshold?: number
  /** Most messages accepted from the peer; one more fails with `SYNC_TOO_LONG`. Default 64. */
  readonly maxRounds?: number
}

/** What one received message leads to. */
export interface ReconcileStep<T> {
  /** The message to send the peer, if any; send it even when `done`. */
  readonly reply: Uint8Array | undefined
  /** Our ops the peer lacks, newly learnt from this message (each op once per session): send it their envelopes. */
  readonly missingAtPeer: readonly T[]
  /** True when the session is over: no message will come from the peer. */
  readonly done: boolean
}

type State = 'new' | 'waiting' | 'done' | 'failed'

/** A received range with where it starts, and the list of ours it answers when it is a `need`. */
interface ReceivedRange<T> {
  readonly lower: Bound
  readonly range: SyncRange
  readonly listed: readonly T[] | undefined
}

/**
 * One run of range-based set reconciliation (after Aljoscha Meyer) with one
 * peer, over an {@link OpIndex}, sans I/O: bytes in, bytes out. Each side
 * learns which of its own ops the other lacks and sends those ops' envelopes
 * itself; the summaries exchanged grow with the difference, not the log.
 *
 * The initiator calls {@link initiate} and sends the message; the other side
 * makes a session and passes it to {@link receive}; from then on each side
 * passes every message from the peer to `receive` and sends back `reply`
 * while there is one. A range whose fingerprints differ is split into
 * `branching` parts of equal count on the answering side, or sent as a list
 * of id prefixes when that side holds at most `listThreshold` ops in it; a
 * list is answered by a bitmap of the listed ops the other side lacks.
 *
 * Every message is checked before it changes anything: its size and counts,
 * then that its bounds increase and that every range it opens lies within
 * the span of the ranges we left open (a `need` must answer exactly one of our
 * lists). A violation throws a {@link FrpStateError} and ends the session;
 * the session never changes the index. Work per message is bounded by the
 * message limits and the index size, and the number of messages by `maxRounds`.
 *
 * The index may change during a session, as ops keep arriving: an op added
 * after its range was compared is left to the next session.
 */
export class ReconcileSession<T extends OpPosition = OpPosition> {
  readonly #index: OpIndex<T>
  readonly #policy: SplitPolicy
  readonly #maxRounds: number
  #state: State = 'new'
  // Before the first message, a responder treats the whole order as one open range.
  #open: readonly OpenRange<T>[] = [{ lower: START, upper: END, listed: undefined }]
  #rounds = 0
  // Bounded by the index: a hostile peer cannot make us send an op twice in one session.
  readonly #reported = new Set<T>()

  constructor(index: OpIndex<T>, options: ReconcileOptions = {}) {
    const branching = options.branching ?? DEFAULT_BRANCHING
    const listThreshold = options.listThreshold ?? DEFAULT_LIST_THRESHOLD
    const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS
    checkInteger('branching', branching, 2, 64)
    checkInteger('listThreshold', listThreshold, branching - 1, MAX_LISTED_IDS)
    checkInteger('maxRounds', maxRounds, 1, 1_000)
    this.#index = index
    this.#policy = { branching, listThreshold }
    this.#maxRounds = maxRounds
  }

  /** True once the session is over. */
  get done(): boolean {
    return this.#state === 'done'
  }

  /** Messages received from the peer so far. */
  get rounds(): number {
    return this.#rounds
  }

  /** The first message, from the side that starts; throws `SYNC_OUT_OF_ORDER` once the session has begun. */
  initiate(): Uint8Array {
    if (this.#state !== 'new') throw new FrpStateError('SYNC_OUT_OF_ORDER', 'this reconciliation session has already begun')
    const reply = new ReplyBuilder(this.#index, this.#policy)
    reply.differing(START, END, 0, this.#index.size) // a first message is a handful of ranges: it always fits
    this.#open = reply.open
    this.#state = 'waiting'
    return reply.finish()
  }

  /**
   * Takes the peer's next message. Throws a {@link FrpStateError} and ends
   * the session when the message is refused: `SYNC_MESSAGE_TOO_LARGE`,
   * `BAD_SYNC_MESSAGE` (also for any message once the session is over) or
   * `SYNC_TOO_LONG`.
   */
  receive(bytes: Uint8Array): ReconcileStep<T> {
    if (this.#state === 'done' || this.#state === 'failed') throw new FrpStateError('BAD_SYNC_MESSAGE', 'a message after the reconciliation ended')
    try {
      if (this.#rounds === this.#maxRounds) throw new FrpStateError('SYNC_TOO_LONG', `the peer sent more than ${this.#maxRounds} messages`)
      this.#rounds++
      return this.#answer(this.#checked(decodeSyncMessage(bytes)))
    } catch (err) {
      this.#state = 'failed'
      throw err
    }
  }

  /** Pairs each range with its start, refusing ranges outside what we left open, and `need`s that do not match our lists. */
  #checked(ranges: readonly SyncRange[]): ReceivedRange<T>[] {
    const open = this.#open
    const openLower = open[0]!.lower
    const openUpper = open.at(-1)!.upper
    const received: ReceivedRange<T>[] = []
    let lower = START
    let next = 0 // the first of our open ranges that may match the current one
    for (const range of ranges) {
      let listed: readonly T[] | undefined
      if (range.mode === 'need') {
        while (next < open.length && compareBounds(open[next]!.upper, lower) <= 0) next++
        listed = open[next]?.listed
        if (listed === undefined || compareBounds(open[next]!.lower, lower) !== 0 || compareBounds(open[next]!.upper, range.upper) !== 0) {
          throw new FrpStateError('BAD_SYNC_MESSAGE', 'a need range does not answer one of our lists')
        }
        checkBitmap(range.bitmap, listed.length)
      } else if (range.mode !== 'skip' && (compareBounds(lower, openLower) < 0 || compareBounds(range.upper, openUpper) > 0)) {
        throw new FrpStateError('BAD_SYNC_MESSAGE', `a ${range.mode} range lies outside the ranges left open`)
      }
      received.push({ lower, range, listed })
      lower = range.upper
    }
    return received
  }

  #answer(received: readonly ReceivedRange<T>[]): ReconcileStep<T> {
    const reply = new ReplyBuilder(this.#index, this.#policy)
    const missingAtPeer: T[] = []
    let awaitsAnswer = false
    let remainderLower: Bound | undefined // where the ranges that did not fit in our reply begin
    let remainderUpper: Bound = START
    const rankOf = rememberingLastRank(this.#index)
    for (const { lower, range, listed } of received) {
      const { upper } = range
      if (range.mode === 'skip') continue
      if (range.mode === 'need') {
        for (let i = 0; i < listed!.length; i++) if (range.bitmap[i >> 3]! & (1 << (i & 7))) this.#report(listed![i]!, missingAtPeer)
        continue
      }
      awaitsAnswer = true
      remainderUpper = upper
      if (remainderLower !== undefined) continue
      // Bounds strictly increase, so ranks do too: the range holds our ops of ranks [from, to).
      const from = rankOf(lower)
      const to = rankOf(upper)
      let answered = true
      if (range.mode === 'fingerprint') {
        if (!equalBytes(range.fingerprint, this.#index.fingerprintOf(from, to))) answered = reply.differing(lower, upper, from, to)
      } else {
        const bitmap = this.#compareList(range.ids, from, to, missingAtPeer)
        if (bitmap !== undefined) answered = reply.need(lower, upper, bitmap)
      }
      if (!answered) remainderLower = lower
    }
    if (remainderLower !== undefined) reply.remainder(remainderLower, remainderUpper)
    if (reply.open.length > 0) {
      this.#open = reply.open
      this.#state = 'waiting'
      return { reply: reply.finish(), missingAtPeer, done: false }
    }
    this.#state = 'done'
    // The peer waits for an answer to the ranges it opened, even when all we have to say is that nothing differs.
    return { reply: awaitsAnswer ? reply.finish() : undefined, missingAtPeer, done: true }
  }

  /** Reports our ops of ranks [from, to) missing from the peer's list `ids`; returns the bitmap of listed ids we lack, if any. */
  #compareList(ids: readonly Uint8Array[], from: number, to: number, missingAtPeer: T[]): Uint8Array | undefined {
    const listedAt = new Map<string, number>()
    ids.forEach((id, i) => listedAt.set(idPrefixKey(id), i))
    const held = new Uint8Array(ids.length)
    for (const op of this.#index.slice(from, to)) {
      const i = listedAt.get(idPrefixKey(op.id))
      if (i === undefined) this.#report(op, missingAtPeer)
      else held[i] = 1
    }
    if (!held.includes(0)) return undefined
    const bitmap = new Uint8Array(Math.ceil(ids.length / 8))
    held.forEach((has, i) => {
      if (!has) bitmap[i >> 3]! |= 1 << (i & 7)
    })
    return bitmap
  }

  #report(op: T, missingAtPeer: T[]): void {
    if (this.#reported.has(op)) return
    this.#reported.add(op)
    missingAtPeer.push(op)
  }
}

/** `index.rank` remembering its last answer: each range starts at the very bound where the one before it ended. */
function rememberingLastRank(index: OpIndex<OpPosition>): (bound: Bound) => number {
  let last: Bound | undefined
  let rank = 0
  return (bound) => {
    if (bound !== last) {
      last = bound
      rank = index.rank(bound)
    }
    return rank
  }
}

/** A need bitmap has one bit per listed op, in the fewest bytes, and no bit past the last. */
function checkBitmap(bitmap: Uint8Array, listed: number): void {
  const unused = bitmap.length * 8 - listed
  if (bitmap.length !== Math.ceil(listed / 8) || (unused > 0 && bitmap[bitmap.length - 1]! >> (8 - unused) !== 0)) {
    throw new FrpStateError('BAD_SYNC_MESSAGE', `a need bitmap of ${bitmap.length} bytes for ${listed} listed ops`)
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FrpStateError('INVALID_OPTION', `${name} is ${value}; it must be an integer in ${min}…${max}`)
  }
}
