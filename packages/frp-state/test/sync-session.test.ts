import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDscsError } from '@dscs/interface'
import { FrpStateError } from '../src/core/errors.js'
import type { OpPosition } from '../src/core/hlc.js'
import { END, START } from '../src/sync/bound.js'
import { ID_PREFIX_BYTES, MAX_SYNC_MESSAGE_BYTES, SYNC_VERSION } from '../src/sync/constants.js'
import { decodeSyncMessage } from '../src/sync/message-reader.js'
import { SyncMessageWriter } from '../src/sync/message-writer.js'
import { OpIndex } from '../src/sync/op-index.js'
import { ReconcileSession, type ReconcileOptions } from '../src/sync/session.js'

// A seeded generator of ops: by default times with many ties (50 ms, counters 0-2), four authors sharing 31 bytes.
function opSource(seed: number, spread = 50): () => OpPosition {
  let state = seed >>> 0 || 1
  const next = (): number => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x1_0000_0000
  }
  const authors = [0, 1, 2, 255].map((last) => new Uint8Array(32).fill(9).map((byte, i) => (i === 31 ? last : byte)))
  return () => ({
    wall: Math.floor(next() * spread),
    counter: Math.floor(next() * 3),
    author: authors[Math.floor(next() * 4)]!,
    id: new Uint8Array(32).map(() => Math.floor(next() * 256))
  })
}

/** Two op sets with `shared` ops in common and `onlyA`, `onlyB` of their own, spread at random over the same times. */
function twoSets(seed: number, shared: number, onlyA: number, onlyB: number, spread?: number): { a: OpPosition[]; b: OpPosition[] } {
  const op = opSource(seed, spread)
  const common = Array.from({ length: shared }, op)
  return { a: [...common, ...Array.from({ length: onlyA }, op)], b: [...Array.from({ length: onlyB }, op), ...common] }
}

interface Outcome {
  /** Ops A reported B lacks, and B reported A lacks. */
  readonly missingAtB: OpPosition[]
  readonly missingAtA: OpPosition[]
  readonly messages: Uint8Array[]
}

/** Runs a whole session between A (the initiator) and B, passing messages in memory. */
function reconcile(a: OpIndex, b: OpIndex, options?: ReconcileOptions): Outcome {
  const sessionA = new ReconcileSession(a, options)
  const sessionB = new ReconcileSession(b, options)
  const outcome: Outcome = { missingAtB: [], missingAtA: [], messages: [] }
  let message: Uint8Array | undefined = sessionA.initiate()
  for (let turn = 1; message !== undefined; turn++) {
    outcome.messages.push(message)
    const toB = turn % 2 === 1
    const step = (toB ? sessionB : sessionA).receive(message)
    ;(toB ? outcome.missingAtA : outcome.missingAtB).push(...step.missingAtPeer)
    message = step.reply
  }
  expect(sessionA.done && sessionB.done).toBe(true)
  return outcome
}

const ids = (ops: readonly OpPosition[]): string[] => ops.map((op) => Buffer.from(op.id).toString('hex')).sort()
const failsWith = (code: string): unknown => expect.toSatisfy((err: unknown) => err instanceof FrpStateError && err.code === code)

describe('ReconcileSession', () => {
  it('leaves each side knowing exactly which of its ops the other lacks', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          shared: fc.integer({ min: 0, max: 3_000 }),
          onlyA: fc.integer({ min: 0, max: 300 }),
          onlyB: fc.integer({ min: 0, max: 300 }),
          branching: fc.integer({ min: 2, max: 32 }),
          slack: fc.integer({ min: 0, max: 40 })
        }),
        ({ seed, shared, onlyA, onlyB, branching, slack }) => {
          const { a, b } = twoSets(seed, shared, onlyA, onlyB)
          const { missingAtA, missingAtB } = reconcile(OpIndex.from(a), OpIndex.from(b), { branching, listThreshold: branching - 1 + slack })
          expect(ids(missingAtB)).toEqual(ids(a.slice(shared)))
          expect(ids(missingAtA)).toEqual(ids(b.slice(0, onlyB)))
        }
      ),
      { numRuns: 60 }
    )
  })

  it('works from an empty side, both ways', () => {
    const { a } = twoSets(5, 0, 500, 0)
    expect(ids(reconcile(OpIndex.from(a), new OpIndex()).missingAtB)).toEqual(ids(a))
    expect(ids(reconcile(new OpIndex(), OpIndex.from(a)).missingAtA)).toEqual(ids(a))
    const empty = reconcile(new OpIndex(), new OpIndex())
    expect(empty.missingAtA.length + empty.missingAtB.length).toBe(0)
  })

  it('ends in one round trip when the sets are equal', () => {
    const { a } = twoSets(6, 2_000, 0, 0)
    const outcome = reconcile(OpIndex.from(a), OpIndex.from([...a].reverse()))
    expect(outcome.messages.length).toBe(2)
    expect(outcome.missingAtA.length + outcome.missingAtB.length).toBe(0)
  })

  it('sends summaries of the difference, not the log, when only a few ops differ', () => {
    const { a, b } = twoSets(7, 5_000, 3, 3, 86_400_000) // a day of ops
    const outcome = reconcile(OpIndex.from(a), OpIndex.from(b))
    expect(outcome.missingAtA.length + outcome.missingAtB.length).toBe(6)
    let listed = 0
    for (const message of outcome.messages) for (const range of decodeSyncMessage(message)) if (range.mode === 'list') listed += range.ids.length
    // Listing the whole log would take 5,000 ids (40 kB); six differences cost six pairs of short lists at most.
    expect(listed).toBeLessThan(6 * 2 * 16)
    expect(outcome.messages.reduce((total, message) => total + message.length, 0)).toBeLessThan(10_000)
  })

  it('reconciles differences too large for one message over more rounds, every message within the limits', () => {
    const { a, b } = twoSets(9, 0, 40_000, 40_000, 86_400_000)
    const outcome = reconcile(OpIndex.from(a), OpIndex.from(b))
    expect(ids(outcome.missingAtB)).toEqual(ids(a))
    expect(ids(outcome.missingAtA)).toEqual(ids(b))
    // 4,096 lists of about ten ids do not fit one message: the first that would not is cut short, just under the limit.
    const longest = Math.max(...outcome.messages.map((message) => message.length))
    expect(longest).toBeGreaterThan(MAX_SYNC_MESSAGE_BYTES - 2_000)
    expect(longest).toBeLessThanOrEqual(MAX_SYNC_MESSAGE_BYTES)
  })

  it('refuses any message once the session is over, and a second initiate', () => {
    const { a } = twoSets(8, 10, 0, 0)
    const initiator = new ReconcileSession(OpIndex.from(a))
    const first = initiator.initiate()
    expect(() => initiator.initiate()).toThrow(failsWith('SYNC_OUT_OF_ORDER'))
    const responder = new ReconcileSession(OpIndex.from(a))
    const step = responder.receive(first)
    expect(step.done).toBe(true)
    expect(() => responder.receive(first)).toThrow(failsWith('BAD_SYNC_MESSAGE'))
    expect(() => responder.initiate()).toThrow(failsWith('SYNC_OUT_OF_ORDER'))
  })

  it('refuses options out of range with INVALID_OPTION', () => {
    const index = new OpIndex()
    for (const options of [{ branching: 1 }, { branching: 65 }, { branching: 16, listThreshold: 8 }, { listThreshold: 257 }, { maxRounds: 0 }, { maxRounds: 1.5 }]) {
      expect(() => new ReconcileSession(index, options)).toThrow(failsWith('INVALID_OPTION'))
    }
  })
})

describe('ReconcileSession under hostile input', () => {
  const { a, b } = twoSets(11, 600, 40, 40)

  /** Every message of an honest session, with the side that received it (0 for B, 1 for A) and its round. */
  function honestMessages(): { message: Uint8Array; turn: number }[] {
    return reconcile(OpIndex.from(a), OpIndex.from(b), { branching: 4, listThreshold: 8 }).messages.map((message, turn) => ({ message, turn }))
  }

  /** A session of B's or A's brought to the point where it receives message `turn` of the honest run. */
  function sessionAt(turn: number): { session: ReconcileSession; index: OpIndex } {
    const indexA = OpIndex.from(a)
    const indexB = OpIndex.from(b)
    const options = { branching: 4, listThreshold: 8 }
    const sessions = [new ReconcileSession(indexB, options), new ReconcileSession(indexA, options)] as const
    let message: Uint8Array | undefined = sessions[1].initiate()
    for (let t = 0; t < turn; t++) message = sessions[t % 2]!.receive(message!).reply
    return { session: sessions[turn % 2]!, index: turn % 2 === 0 ? indexB : indexA }
  }

  function expectTypedOrValid(session: ReconcileSession, index: OpIndex, bytes: Uint8Array): void {
    const size = index.size
    const fingerprint = index.fingerprint(START, END)
    try {
      const step = session.receive(bytes)
      if (step.reply !== undefined) expect(() => decodeSyncMessage(step.reply!)).not.toThrow()
    } catch (err) {
      expect(isDscsError(err)).toBe(true)
      expect(['BAD_SYNC_MESSAGE', 'SYNC_MESSAGE_TOO_LARGE', 'SYNC_TOO_LONG']).toContain((err as FrpStateError).code)
    }
    expect(index.size).toBe(size)
    expect(index.fingerprint(START, END)).toEqual(fingerprint)
  }

  it('answers random bytes with a typed error or a valid reply, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, versioned) => {
        const { session, index } = sessionAt(0)
        if (versioned && bytes.length > 0) bytes[0] = SYNC_VERSION
        expectTypedOrValid(session, index, bytes)
      }),
      { numRuns: 300 }
    )
  })

  it('answers mutated honest messages, at every round, with a typed error or a valid reply', () => {
    const messages = honestMessages()
    fc.assert(
      fc.property(
        fc.nat({ max: messages.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        (turn, edits, cut) => {
          const bytes = messages[turn]!.message.slice(0, cut === null ? undefined : 1 + (cut % messages[turn]!.message.length))
          for (const { at, value } of edits) bytes[at % bytes.length] = value
          const { session, index } = sessionAt(turn)
          expectTypedOrValid(session, index, bytes)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('refuses a list answer that does not match one of our lists', () => {
    const { session } = sessionAt(0)
    const writer = new SyncMessageWriter()
    writer.write({ mode: 'need', upper: END, bitmap: new Uint8Array(1) })
    expect(() => session.receive(writer.finish())).toThrow(failsWith('BAD_SYNC_MESSAGE'))
  })

  it('refuses ranges outside those it left open, and takes those within', () => {
    const op = opSource(12)
    const ops = Array.from({ length: 100 }, (_, i) => ({ ...op(), wall: 10 * i }))
    const at = (wall: number) => ({ wall, counter: 0, prefix: new Uint8Array(0) })
    // The peer opens [100, 200), where we hold ten ops: we answer with their list, and that range alone is open.
    const opened = (): ReconcileSession => {
      const session = new ReconcileSession(OpIndex.from(ops))
      const writer = new SyncMessageWriter()
      writer.write({ mode: 'skip', upper: at(100) })
      writer.write({ mode: 'fingerprint', upper: at(200), fingerprint: new Uint8Array(16) })
      const [range] = decodeSyncMessage(session.receive(writer.finish()).reply!).filter((r) => r.mode === 'list')
      expect(range?.mode === 'list' && range.ids.length).toBe(10)
      return session
    }
    const before = new SyncMessageWriter()
    before.write({ mode: 'fingerprint', upper: at(50), fingerprint: new Uint8Array(16) })
    expect(() => opened().receive(before.finish())).toThrow(failsWith('BAD_SYNC_MESSAGE'))
    const across = new SyncMessageWriter()
    across.write({ mode: 'skip', upper: at(150) })
    across.write({ mode: 'list', upper: at(250), ids: [] })
    expect(() => opened().receive(across.finish())).toThrow(failsWith('BAD_SYNC_MESSAGE'))
    const within = new SyncMessageWriter()
    within.write({ mode: 'skip', upper: at(100) })
    within.write({ mode: 'list', upper: at(150), ids: [] })
    expect(opened().receive(within.finish()).missingAtPeer.map((op) => op.wall)).toEqual([100, 110, 120, 130, 140])
  })

  it('refuses bitmaps of the wrong size or with bits past the list', () => {
    const op = opSource(14)
    const ops = Array.from({ length: 5 }, op)
    for (const bitmap of [new Uint8Array(0), new Uint8Array(2), Uint8Array.of(0b0010_0000)]) {
      const session = new ReconcileSession(OpIndex.from(ops))
      session.initiate() // five ops: one list over the whole order
      const writer = new SyncMessageWriter()
      writer.write({ mode: 'need', upper: END, bitmap })
      expect(() => session.receive(writer.finish())).toThrow(failsWith('BAD_SYNC_MESSAGE'))
    }
    const session = new ReconcileSession(OpIndex.from(ops))
    session.initiate()
    const writer = new SyncMessageWriter()
    writer.write({ mode: 'need', upper: END, bitmap: Uint8Array.of(0b0001_0001) })
    const step = session.receive(writer.finish())
    expect(step.missingAtPeer.length).toBe(2)
    expect(step.done).toBe(true)
  })

  it('reports no op twice, even when the peer lists a settled range again', () => {
    const op = opSource(16)
    const ops = Array.from({ length: 100 }, (_, i) => ({ ...op(), wall: 10 * i }))
    const at = (wall: number) => ({ wall, counter: 0, prefix: new Uint8Array(0) })
    const session = new ReconcileSession(OpIndex.from(ops))
    const first = new SyncMessageWriter()
    first.write({ mode: 'fingerprint', upper: at(300), fingerprint: new Uint8Array(16) })
    first.write({ mode: 'list', upper: at(600), ids: [] })
    first.write({ mode: 'fingerprint', upper: END, fingerprint: new Uint8Array(16) })
    const step = session.receive(first.finish())
    expect(step.missingAtPeer.map((op) => op.wall)).toEqual(Array.from({ length: 30 }, (_, i) => 300 + 10 * i))
    // Our open ranges now lie on both sides of [300, 600): a list over all of them takes it in again.
    const second = new SyncMessageWriter()
    second.write({ mode: 'list', upper: END, ids: [] })
    const again = session.receive(second.finish())
    expect(again.missingAtPeer.length).toBe(70)
    expect(new Set([...step.missingAtPeer, ...again.missingAtPeer]).size).toBe(100)
  })

  it('ends a session the peer drags on with SYNC_TOO_LONG', () => {
    // The peer answers every list of ours with a fingerprint over the same range, as if it always differed.
    const { a: ops } = twoSets(15, 200, 0, 0)
    const session = new ReconcileSession(OpIndex.from(ops), { branching: 4, listThreshold: 8, maxRounds: 10 })
    let message = session.initiate()
    let error: unknown
    for (let round = 0; round < 100 && error === undefined; round++) {
      const writer = new SyncMessageWriter()
      let previous = START
      for (const range of decodeSyncMessage(message)) {
        if (range.mode === 'fingerprint' || range.mode === 'list') {
          if (writer.last !== previous) writer.write({ mode: 'skip', upper: previous })
          writer.write({ mode: 'fingerprint', upper: range.upper, fingerprint: new Uint8Array(16).fill(round) })
        }
        previous = range.upper
      }
      try {
        message = session.receive(writer.finish()).reply!
      } catch (err) {
        error = err
      }
    }
    expect(error).toEqual(failsWith('SYNC_TOO_LONG'))
    expect(session.rounds).toBe(10)
  })

  it('checks the size before parsing and bounds the ranges and ids of a message', () => {
    const session = () => new ReconcileSession(new OpIndex())
    expect(() => session().receive(new Uint8Array(256 * 1024 + 1))).toThrow(failsWith('SYNC_MESSAGE_TOO_LARGE'))
    const manySkips = new Uint8Array(1 + 2 * 16_385).fill(1)
    manySkips[0] = SYNC_VERSION
    for (let i = 1; i < manySkips.length; i += 2) manySkips[i] = 0 // header: skip, then a wall delta of 1
    expect(() => session().receive(manySkips)).toThrow(failsWith('SYNC_MESSAGE_TOO_LARGE'))
    const longList = Uint8Array.of(SYNC_VERSION, 0b110, 0x81, 0x02) // a list to the end of the order of 257 ids
    expect(() => session().receive(longList)).toThrow(failsWith('BAD_SYNC_MESSAGE'))
    expect(ID_PREFIX_BYTES).toBe(8)
  })
})
