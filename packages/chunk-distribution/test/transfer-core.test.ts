import { describe, expect, it } from 'vitest'
import { Bitfield, TransferCore, byThroughput, encodeTransferMessage, type ContentId, type PeerCandidate, type PeerObservation, type TransferOptions } from '../src/index.js'
import { CHUNK, bitfieldFrame, events, pieceFrame, requests, seededContent, seededRandom, sent } from './transfer-harness.js'
import { flipBit } from './helpers.js'

async function leecher(chunks: number, options: Partial<TransferOptions> = {}) {
  const content = await seededContent(chunks)
  const core = new TransferCore({ random: seededRandom(1), ...options })
  core.download(content.cid, 0, { manifest: content.manifest, held: new Bitfield(chunks) })
  return { ...content, core }
}

describe('TransferCore, downloading', () => {
  it('asks for the rarest chunks first, with ties broken at random', async () => {
    const picks = new Set<number>()
    for (let seed = 1; seed <= 8; seed++) {
      const { core, cid } = await leecher(8, { initialDepth: 1, random: seededRandom(seed) })
      core.receive('half', bitfieldFrame(cid, 8, (i) => i < 4), 0)
      // Chunks 0-3 are held by both peers, 4-7 by `common` alone: `common` is asked for one of those.
      const asked = requests(core.receive('common', bitfieldFrame(cid, 8, () => true), 0)).filter((r) => r.to === 'common')
      expect(asked).toHaveLength(1)
      expect(asked[0]!.index).toBeGreaterThanOrEqual(4)
      picks.add(asked[0]!.index)
    }
    expect(picks.size).toBeGreaterThan(1)
  })

  it('deepens the pipeline of a peer that keeps up and halves it on a timeout', async () => {
    const { core, cid, store } = await leecher(64, { initialDepth: 4, requestTimeout: 1_000, maxOutstanding: 64 })
    const inflight = new Map<number, number>()
    const ask = (effects: ReturnType<TransferCore['receive']>, now: number) => requests(effects).forEach((r) => inflight.set(r.index, now))
    ask(core.receive('fast', bitfieldFrame(cid, 64, () => true), 0), 0)
    expect(inflight.size).toBe(4)
    let now = 0
    for (let round = 0; round < 6; round++) {
      now += 10
      const index = inflight.keys().next().value!
      inflight.delete(index)
      ask(core.receive('fast', await pieceFrame(store, cid, index), now), now)
      ask(core.stored(cid, index, now), now)
    }
    const deep = inflight.size
    expect(deep).toBeGreaterThan(4)
    // The two requests sent at 20 ms time out; `fast` delivered 960 ms ago, so it stays, with half the depth.
    const effects = core.tick(1_020)
    expect(events(effects).some((e) => e.type === 'peer-dropped')).toBe(false)
    for (const [index, at] of inflight) if (at <= 20) inflight.delete(index)
    ask(effects, 1_020)
    expect(inflight.size).toBe(deep - 2)
    // Slow answers now: no new request until fewer than half the old depth are in flight.
    let asked: number[] = []
    for (let step = 0; step < deep && asked.length === 0; step++) {
      const index = inflight.keys().next().value!
      inflight.delete(index)
      const received = core.receive('fast', await pieceFrame(store, cid, index), 1_100)
      asked = requests([...received, ...core.stored(cid, index, 1_100)]).map((r) => r.index)
    }
    expect(inflight.size + asked.length).toBe(Math.floor(deep / 2))
  })

  it('re-requests elsewhere after a timeout and drops a peer that stalls', async () => {
    const { core, cid } = await leecher(2, { initialDepth: 2, requestTimeout: 1_000, endgameRequests: 1 })
    const toSilent = requests(core.receive('silent', bitfieldFrame(cid, 2, () => true), 0))
    expect(toSilent.map((r) => r.index).sort()).toEqual([0, 1])
    core.receive('other', bitfieldFrame(cid, 2, () => true), 0)
    expect(core.nextDeadline()).toBe(1_000)
    const effects = core.tick(1_000)
    expect(events(effects)).toContainEqual({ type: 'peer-dropped', cid, peer: 'silent', reason: 'stalled' })
    expect(requests(effects).every((r) => r.to === 'other')).toBe(true)
    expect(requests(effects).map((r) => r.index).sort()).toEqual([0, 1])
  })

  it('verifies every piece: a corrupt one is refused, its sender penalised and dropped, the chunk asked elsewhere', async () => {
    const { core, cid, store } = await leecher(2, { initialDepth: 2, endgameRequests: 1 })
    const asked = requests(core.receive('bad', bitfieldFrame(cid, 2, () => true), 0))
    const index = asked[0]!.index
    const data = flipBit((await store.get(cid, index))!, 40)
    const corrupt = encodeTransferMessage({ type: 'piece', content: cid, index, data, proof: (await store.proof(cid, index))! })
    core.receive('good', bitfieldFrame(cid, 2, () => true), 0)
    const effects = core.receive('bad', corrupt, 5)
    expect(effects.filter((e) => e.type === 'penalise').map((e) => e.type === 'penalise' && e.error.code)).toEqual(['HASH_MISMATCH'])
    expect(events(effects).some((e) => e.type === 'store')).toBe(false)
    expect(events(effects)).toContainEqual({ type: 'peer-dropped', cid, peer: 'bad', reason: 'corrupt' })
    expect(requests(effects)).toContainEqual({ to: 'good', index })
    expect(core.progress(cid)?.peers).toBe(1)
  })

  it('tells the selector of each piece (timed from its request, or from the previous piece when pipelined) and each failed request', async () => {
    const observed: PeerObservation[] = []
    const selector = { order: (content: ContentId, candidates: readonly PeerCandidate[]) => byThroughput.order(content, candidates), observe: (o: PeerObservation) => observed.push(o) }
    const { core, cid, store } = await leecher(4, { initialDepth: 2, requestTimeout: 1_000, endgameRequests: 1, selector })
    const [first, second] = requests(core.receive('seed', bitfieldFrame(cid, 4, () => true), 0)).map((r) => r.index)
    core.receive('seed', await pieceFrame(store, cid, first!), 30)
    core.receive('seed', await pieceFrame(store, cid, second!), 50)
    expect(observed).toEqual([
      { type: 'piece', peer: 'seed', bytes: CHUNK, ms: 30 },
      // Asked at 0 with the first, but it waited behind it until 30: 20 ms of its own.
      { type: 'piece', peer: 'seed', bytes: CHUNK, ms: 20 }
    ])
    observed.length = 0
    // The requests the two pieces made room for go unanswered: each counts as a failure.
    core.tick(1_100)
    expect(observed).toEqual([
      { type: 'failed', peer: 'seed', reason: 'timeout' },
      { type: 'failed', peer: 'seed', reason: 'timeout' }
    ])
    observed.length = 0
    const bad = requests(core.receive('bad', bitfieldFrame(cid, 4, () => true), 1_100))[0]!.index
    const data = flipBit((await store.get(cid, bad))!, 40)
    core.receive('bad', encodeTransferMessage({ type: 'piece', content: cid, index: bad, data, proof: (await store.proof(cid, bad))! }), 1_110)
    expect(observed).toEqual([{ type: 'failed', peer: 'bad', reason: 'corrupt' }])
  })

  it('asks for the chunks a read waits for before any other', async () => {
    const { core, cid } = await leecher(32, { initialDepth: 2 })
    core.prioritise(cid, [29, 30], 0)
    expect(requests(core.receive('seed', bitfieldFrame(cid, 32, () => true), 0)).map((r) => r.index).sort()).toEqual([29, 30])
  })

  it('refuses a piece proved against another content\'s root, and drops its sender', async () => {
    const { core, cid } = await leecher(4, { initialDepth: 1 })
    const other = await seededContent(4, 77)
    const index = requests(core.receive('liar', bitfieldFrame(cid, 4, () => true), 0))[0]!.index
    // Bytes and proof that verify, but under the other content's root.
    const foreign = encodeTransferMessage({ type: 'piece', content: cid, index, data: (await other.store.get(other.cid, index))!, proof: (await other.store.proof(other.cid, index))! })
    const effects = core.receive('liar', foreign, 1)
    expect(effects.flatMap((e) => (e.type === 'penalise' ? [e.error.code] : []))).toEqual(['HASH_MISMATCH'])
    expect(events(effects).some((e) => e.type === 'store')).toBe(false)
    expect(events(effects)).toContainEqual({ type: 'peer-dropped', cid, peer: 'liar', reason: 'corrupt' })
  })

  it('hands a verified piece to the store, announces it once stored to peers lacking chunks, and completes', async () => {
    const { core, cid, store } = await leecher(2, { initialDepth: 2 })
    core.receive('seed', bitfieldFrame(cid, 2, () => true), 0)
    core.receive('leech', bitfieldFrame(cid, 2, () => false), 0)
    const first = events(core.receive('seed', await pieceFrame(store, cid, 0), 1))
    expect(first).toMatchObject([{ type: 'store', index: 0 }])
    // The seeder holds everything: only the leecher hears of the chunk.
    expect(sent(core.stored(cid, 0, 2)).filter((s) => s.message.type === 'have')).toEqual([{ to: 'leech', message: { type: 'have', content: cid, index: 0 } }])
    core.receive('seed', await pieceFrame(store, cid, 1), 3)
    expect(events(core.stored(cid, 1, 4))).toContainEqual({ type: 'complete', cid })
    expect(core.progress(cid)).toMatchObject({ held: 2, bytes: 2 * CHUNK - 100 })
  })

  it('in endgame asks a second peer for the last chunks and cancels the loser', async () => {
    const { core, cid, store } = await leecher(2, { initialDepth: 4 })
    const toA = requests(core.receive('a', bitfieldFrame(cid, 2, () => true), 0))
    expect(toA).toHaveLength(2)
    // Every chunk is asked already: the next peer gets duplicates.
    const toB = requests(core.receive('b', bitfieldFrame(cid, 2, () => true), 0))
    expect(toB.map((r) => r.index).sort()).toEqual([0, 1])
    const effects = core.receive('b', await pieceFrame(store, cid, 0), 1)
    expect(sent(effects)).toContainEqual({ to: 'a', message: { type: 'cancel', content: cid, index: 0 } })
    // The late copy from `a` is ignored, without penalty.
    const late = core.receive('a', await pieceFrame(store, cid, 0), 2)
    expect(late.some((e) => e.type === 'penalise' || (e.type === 'emit' && e.event.type === 'store'))).toBe(false)
  })

  it('asks for no duplicates while more chunks are missing than the endgame takes', async () => {
    const { core, cid } = await leecher(16, { initialDepth: 16, endgameChunks: 4 })
    expect(requests(core.receive('a', bitfieldFrame(cid, 16, () => true), 0))).toHaveLength(16)
    expect(requests(core.receive('b', bitfieldFrame(cid, 16, () => true), 0))).toHaveLength(0)
  })

  it('keeps requests and unstored pieces within maxOutstanding', async () => {
    const { core, cid, store } = await leecher(64, { initialDepth: 64, maxOutstanding: 8 })
    const asked = requests(core.receive('seed', bitfieldFrame(cid, 64, () => true), 0))
    expect(asked).toHaveLength(8)
    // A piece verified but not yet stored still counts: no new request until the store reports.
    const effects = core.receive('seed', await pieceFrame(store, cid, asked[0]!.index), 1)
    expect(requests(effects)).toHaveLength(0)
    expect(requests(core.stored(cid, asked[0]!.index, 2))).toHaveLength(1)
  })
})

describe('TransferCore, serving', () => {
  async function seeder(options: Partial<TransferOptions> = {}) {
    const content = await seededContent(4)
    const core = new TransferCore({ random: seededRandom(1), ...options })
    core.seed({ manifest: content.manifest, held: (await content.store.bitfield(content.cid))! })
    return { ...content, core }
  }

  it('answers a manifest request with the manifest and its Bitfield, and serves requests through read events', async () => {
    const { core, cid, store } = await seeder()
    const answer = sent(core.receive('p', encodeTransferMessage({ type: 'manifest-request', content: cid }), 0))
    expect(answer.map((s) => s.message.type)).toEqual(['manifest-response', 'bitfield'])
    const read = events(core.receive('p', encodeTransferMessage({ type: 'request', content: cid, index: 2, withProof: true }), 0))
    expect(read).toEqual([{ type: 'read', cid, index: 2, to: 'p' }])
    const piece = sent(core.served('p', cid, 2, (await store.get(cid, 2))!, (await store.proof(cid, 2))!))
    expect(piece).toMatchObject([{ to: 'p', message: { type: 'piece', index: 2 } }])
  })

  it('refuses requests beyond its upload slots as busy, and sends nothing for a cancelled one', async () => {
    const { core, cid } = await seeder({ uploadSlotsPerPeer: 2, uploadSlots: 3 })
    const ask = (peer: string, index: number) => core.receive(peer, encodeTransferMessage({ type: 'request', content: cid, index, withProof: true }), 0)
    const replies = [ask('p', 0), ask('p', 1), ask('p', 2), ask('q', 0), ask('q', 1)]
    expect(replies.map((r) => (events(r)[0]?.type ?? sent(r)[0]?.message.type))).toEqual(['read', 'read', 'reject', 'read', 'reject'])
    expect(core.uploads).toBe(3)
    core.receive('p', encodeTransferMessage({ type: 'cancel', content: cid, index: 0 }), 0)
    expect(core.served('p', cid, 0, new Uint8Array(1), new Uint8Array(0))).toEqual([])
    expect(core.uploads).toBe(2)
  })

  it('answers a flood of requests with refusals, holding no more than its upload slots', async () => {
    const { core, cid } = await seeder({ uploadSlotsPerPeer: 4, uploadSlots: 8 })
    let reads = 0
    let refusals = 0
    for (let i = 0; i < 10_000; i++) {
      const effects = core.receive('flooder', encodeTransferMessage({ type: 'request', content: cid, index: i % 4, withProof: true }), 0)
      reads += events(effects).filter((e) => e.type === 'read').length
      refusals += sent(effects).filter((s) => s.message.type === 'reject').length
    }
    expect(reads).toBe(4)
    expect(refusals).toBe(10_000 - 4)
    expect(core.uploads).toBe(4)
  })

  it('refuses what exceeds a peer\'s byte budget', async () => {
    const { core, cid } = await seeder({ uploadBytesPerSecond: 1, uploadBurstBytes: CHUNK })
    const ask = (index: number) => core.receive('p', encodeTransferMessage({ type: 'request', content: cid, index, withProof: true }), 0)
    expect(events(ask(0))).toHaveLength(1)
    expect(sent(ask(1))).toMatchObject([{ message: { type: 'reject', reason: 'busy' } }])
  })

  it('penalises hostile frames: garbage, an oversized piece, a request for a chunk outside the content', async () => {
    const { core, cid } = await seeder({ maxChunkSize: CHUNK })
    const codes = (effects: ReturnType<TransferCore['receive']>) => effects.flatMap((e) => (e.type === 'penalise' ? [e.error.code] : []))
    expect(codes(core.receive('p', new Uint8Array([0xff, 0xff, 0xff]), 0))).toHaveLength(1)
    expect(codes(core.receive('p', new Uint8Array(CHUNK + 8192), 0))).toEqual(['TOO_LARGE'])
    expect(codes(core.receive('p', encodeTransferMessage({ type: 'request', content: cid, index: 99, withProof: true }), 0))).toEqual(['BAD_INDEX'])
    const unknown = await seededContent(2, 99)
    expect(sent(core.receive('p', encodeTransferMessage({ type: 'request', content: unknown.cid, index: 0, withProof: true }), 0))).toMatchObject([
      { message: { type: 'reject', reason: 'unknown-content' } }
    ])
  })
})

describe('TransferCore, a busy peer', () => {
  it('keeps the pipeline at the depth the peer serves, and leaves a peer with nothing in hand alone for a while', async () => {
    const { core, cid, store } = await seededContent(32).then(async (content) => {
      const c = new TransferCore({ random: seededRandom(1), initialDepth: 8, busyBackoff: 500 })
      c.download(content.cid, 0, { manifest: content.manifest, held: new Bitfield(32) })
      return { ...content, core: c }
    })
    const asked = requests(core.receive('p', bitfieldFrame(cid, 32, () => true), 0)).map((r) => r.index)
    expect(asked).toHaveLength(8)
    // It serves 3 at once: five are refused.
    for (const index of asked.slice(3)) expect(requests(core.receive('p', encodeTransferMessage({ type: 'reject', content: cid, index, reason: 'busy' }), 1))).toHaveLength(0)
    const next = requests(core.receive('p', await pieceFrame(store, cid, asked[0]!), 2))
    // A quick piece with the pipeline full: one deeper, so the freed request and one more.
    expect(next).toHaveLength(2)
    // Everything refused with nothing in hand: no request before the backoff ends.
    const rest = [asked[1]!, asked[2]!, ...next.map((r) => r.index)]
    for (const index of rest) core.receive('p', encodeTransferMessage({ type: 'reject', content: cid, index, reason: 'busy' }), 3)
    expect(core.nextDeadline()).toBe(503)
    expect(requests(core.tick(503)).length).toBeGreaterThan(0)
  })

  it('sets no deadline in the past once a busy spell is over, even when the peer has nothing left to give', async () => {
    const { core, cid } = await leecher(4, { initialDepth: 4, busyBackoff: 500 })
    // It holds chunk 0 only, and refuses it as busy.
    const [asked] = requests(core.receive('p', bitfieldFrame(cid, 4, (i) => i === 0), 0))
    core.receive('p', encodeTransferMessage({ type: 'reject', content: cid, index: asked!.index, reason: 'busy' }), 1)
    expect(core.nextDeadline()).toBe(501)
    core.receive('p', encodeTransferMessage({ type: 'reject', content: cid, index: requests(core.tick(501))[0]!.index, reason: 'not-held' }), 502)
    // Nothing to ask of it now: a deadline at 501 would have its driver tick without end.
    core.tick(503)
    expect(core.nextDeadline() ?? Infinity).toBeGreaterThan(503)
  })

  it('asks a peer dropped for stalling again after stalledRetry', async () => {
    const { core, cid } = await leecher(2, { initialDepth: 2, requestTimeout: 1_000, stalledRetry: 5_000 })
    requests(core.receive('slow', bitfieldFrame(cid, 2, () => true), 0))
    expect(events(core.tick(1_000))).toContainEqual({ type: 'peer-dropped', cid, peer: 'slow', reason: 'stalled' })
    expect(core.nextDeadline()).toBe(6_000)
    expect(requests(core.tick(5_999))).toEqual([])
    expect(requests(core.tick(6_000)).map((r) => r.to)).toEqual(['slow', 'slow'])
  })
})
