// @dscs/frp-state benchmarks, each beside its anchor measured in the same run:
// 1. one late op into a 100,000-op history over 10,000 keys, touching one key
//    (p50/p99), vs a full replay of that history (target p99 ≤ 1 ms, ≥ 100×);
// 2. speculative apply of verified ops, no signatures (target ≥ 200,000 ops/s);
// 3. ops through the core (checks, signature, apply) vs raw verify of the
//    identity package (target ≥ 0.8×);
// 4. anti-entropy between two cores holding 50,000 ops each, 1,000 divergent:
//    every byte of the signed Sync messages ÷ the divergent ops' size (≤ 3×).
// bench/reconcile.bench.ts measures the reconciliation alone, and tunes it.
// Run: pnpm --filter @dscs/frp-state bench
import { mkdir, writeFile } from 'node:fs/promises'
import { BenchSuite, percentile } from '@dscs/bench'
import { joinBytes } from '@dscs/interface'
import { identityFromSeed, signEnvelope, verify } from '@dscs/identity'
import { FrpStateCore, OpLog, StateGraph, compareOps, opKind, type Op, type OpCodec } from '@dscs/frp-state'
import { createEnvelope, decodeEnvelope, encodeEnvelope, envelopeHash, signingBytes } from '@dscs/wire'

interface Add {
  readonly key: number
  readonly by: number
}

// A fixed-width binary payload: the codec is the application's, and JSON would measure JSON.
const codec: OpCodec<Add> = {
  encode: (p) => {
    const out = new Uint8Array(8)
    new DataView(out.buffer).setUint32(0, p.key)
    new DataView(out.buffer).setInt32(4, p.by)
    return out
  },
  decode: (bytes) => {
    if (bytes.length !== 8) throw new RangeError('an Add is 8 bytes')
    const view = new DataView(bytes.buffer, bytes.byteOffset, 8)
    return { key: view.getUint32(0), by: view.getInt32(4) }
  }
}

function counters(): StateGraph<Add> {
  const graph = new StateGraph<Add>()
  graph.reducer<number>({ name: 'counters', key: (op) => `k${op.payload.key}`, reduce: (n, op) => n + op.payload.by, initial: 0 })
  return graph
}

const AUTHORS = Array.from({ length: 7 }, (_, i) => new Uint8Array(32).fill(i + 1))

/** Ops without envelopes (the graph never reads them), wall times spread over 1,000 s; ids are views of one buffer, to keep the fixture light on the heap. */
function syntheticOps(count: number, keys: number, seed: number): Op<Add>[] {
  let state = seed
  const random = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32
  const ids = new Uint8Array(32 * count)
  const view = new DataView(ids.buffer)
  return Array.from({ length: count }, (_, i) => {
    view.setUint32(32 * i, i)
    view.setUint32(32 * i + 4, seed)
    const wall = 1_700_000_000_000 + Math.floor(random() * 1_000_000)
    const payload = { key: Math.floor(random() * keys), by: 1 }
    return { wall, counter: 0, author: AUTHORS[i % 7]!, id: ids.subarray(32 * i, 32 * i + 32), key: `${seed}-${i}`, payload, envelope: ids.subarray(0, 0) }
  })
}


const results: Record<string, unknown> = {}

function lateOp(): void {
  const HISTORY = 100_000
  const KEYS = 10_000
  const LATE = 2_000
  const history = syntheticOps(HISTORY, KEYS, 1).sort(compareOps)
  const replay = (): number => {
    const start = performance.now()
    const log = new OpLog(counters(), { maxOps: 10 * HISTORY })
    for (const op of history) log.add(op, 'confirmed')
    return performance.now() - start
  }
  const replays = [replay(), replay(), replay(), replay(), replay()]
  const log = new OpLog(counters(), { maxOps: 10 * HISTORY })
  for (const op of history) log.add(op, 'confirmed')
  // Late ops land anywhere in the history's time span: each touches one key.
  const late = syntheticOps(LATE, KEYS, 2)
  const times: number[] = []
  for (const op of late) {
    const start = performance.now()
    log.add(op, 'confirmed')
    times.push(performance.now() - start)
  }
  const replayMs = percentile(replays, 50)
  const p50 = percentile(times, 50)
  const p99 = percentile(times, 99)
  console.log(`late op into ${HISTORY.toLocaleString('en-US')} ops over ${KEYS.toLocaleString('en-US')} keys (${LATE} late ops, each touching one key):`)
  console.log(`  late op: p50 ${(p50 * 1000).toFixed(1)} µs, p99 ${(p99 * 1000).toFixed(1)} µs (target p99 ≤ 1 ms) ${p99 <= 1 ? 'met' : 'NOT MET'}`)
  console.log(`  full replay of the history: ${replayMs.toFixed(1)} ms (median of 5)`)
  console.log(`  full replay ÷ late op p99: ${(replayMs / p99).toFixed(0)}× (target ≥ 100×) ${replayMs / p99 >= 100 ? 'met' : 'NOT MET'}`)
  results.lateOp = { history: HISTORY, keys: KEYS, lateOps: LATE, p50Ms: p50, p99Ms: p99, replayMs, speedupP99: replayMs / p99, targets: { p99Ms: 1, speedup: 100 } }
}

async function applyThroughput(): Promise<void> {
  const ops = syntheticOps(100_000, 10_000, 3).sort(compareOps)
  let log = new OpLog(counters(), { maxOps: 1_000_000 })
  let next = 0
  const suite = new BenchSuite('@dscs/frp-state', 'apply')
  suite.add('speculative apply, verified ops, in order', () => {
    if (next === ops.length) {
      log = new OpLog(counters(), { maxOps: 1_000_000 })
      next = 0
    }
    log.add(ops[next++]!, 'confirmed')
  })
  // Steady state: V8 takes about a second of this loop to compile it fully (the first 200,000 ops run at half speed).
  const [apply] = await suite.run({ rounds: 7, roundMs: 300, warmupMs: 2_000 })
  const opsPerSecond = apply!.opsPerSecond
  console.log(`  speculative apply: ${Math.round(opsPerSecond).toLocaleString('en-US')} ops/s (target ≥ 200,000) ${opsPerSecond >= 200_000 ? 'met' : 'NOT MET'}`)
  await suite.save(new URL('./results/', import.meta.url))
}

async function signedThroughput(): Promise<void> {
  const authors = Array.from({ length: 20 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
  const now = Date.now()
  const envelopes = Array.from({ length: 20_000 }, (_, i) => {
    const author = authors[i % authors.length]!
    const payload = codec.encode({ key: i % 1000, by: 1 })
    return encodeEnvelope(signEnvelope(author, createEnvelope({ kind: opKind('default'), payload, author: author.publicKey, timestamp: now - 1000 + (i % 1000), seq: i })))
  })
  const decoded = envelopes.map((bytes) => decodeEnvelope(bytes))
  const reader = identityFromSeed(new Uint8Array(32).fill(99))
  const fresh = () => new FrpStateCore<Add>({ identity: reader, graph: counters(), codec, horizon: 3_600_000 })
  let core = fresh()
  let next = 0
  let raw = 0
  const suite = new BenchSuite('@dscs/frp-state', 'signed-apply')
  suite.add('core: envelope checks, signature, trust, apply', () => {
    if (next === envelopes.length) {
      core = fresh() // every envelope once per core: repeats would be duplicates, a cheaper path
      next = 0
    }
    return core.ingest(envelopes[next++]!, now, 'topic', 'peer')
  })
  suite.add('identity verify (raw)', () => {
    const e = decoded[raw++ % decoded.length]!
    return verify(e.author, signingBytes(e), e.signature)
  })
  await suite.run({ rounds: 7, roundMs: 150 })
  suite.compare('core apply with signatures vs raw verify', 'core: envelope checks, signature, trust, apply', 'identity verify (raw)', { atLeast: 0.8 })
  await suite.save(new URL('./results/', import.meta.url))
}

async function antiEntropy(): Promise<void> {
  const SHARED = 49_500
  const ONLY = 500
  const now = Date.now()
  const authors = Array.from({ length: 32 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
  // Divergent ops spread at random through the last 50 minutes, among the shared ones.
  const sign = (i: number): { id: Uint8Array; bytes: Uint8Array } => {
    const author = authors[i % authors.length]!
    const timestamp = now - 3_000_000 + Math.floor(random() * 2_990_000)
    const envelope = signEnvelope(author, createEnvelope({ kind: opKind('default'), payload: codec.encode({ key: i % 5000, by: i }), author: author.publicKey, timestamp, seq: i % 7 }))
    return { id: envelopeHash(envelope), bytes: encodeEnvelope(envelope) }
  }
  const shared = Array.from({ length: SHARED }, (_, i) => sign(i))
  const onlyA = Array.from({ length: ONLY }, (_, i) => sign(SHARED + 2 * i))
  const onlyB = Array.from({ length: ONLY }, (_, i) => sign(SHARED + 2 * i + 1))
  const core = (name: string, own: typeof onlyA) => {
    const c = new FrpStateCore<Add>({ identity: identityFromSeed(new TextEncoder().encode(name.padEnd(32, '-'))), graph: counters(), codec, horizon: 3_600_000, self: name })
    // The disk path: checked and hashed, not verified again, as a node restarting with these ops would.
    for (const op of [...shared, ...own]) c.restore(op.bytes, op.id, 'confirmed', now)
    return c
  }
  const cores: Record<string, FrpStateCore<Add>> = { a: core('a', onlyA), b: core('b', onlyB) }
  const divergentBytes = [...onlyA, ...onlyB].reduce((sum, op) => sum + op.bytes.length, 0)
  let syncBytes = 0
  let messages = 0
  const start = performance.now()
  const queue = cores.a!.sync('b', now).effects.map((effect) => ({ effect, from: 'a' }))
  while (queue.length > 0) {
    const { effect, from } = queue.shift()!
    if (effect.type !== 'send') continue
    syncBytes += effect.bytes.length
    messages++
    for (const next of cores[effect.to]!.receive(from, joinBytes(effect.bytes), now)) queue.push({ effect: next, from: effect.to })
  }
  const ms = performance.now() - start
  const converged = cores.a!.log.size === SHARED + 2 * ONLY && cores.b!.log.size === SHARED + 2 * ONLY
  const ratio = syncBytes / divergentBytes
  console.log(`anti-entropy through two cores, ${(SHARED + ONLY).toLocaleString('en-US')} ops each, ${2 * ONLY} divergent (${divergentBytes.toLocaleString('en-US')} bytes):`)
  console.log(`  ${messages} signed Sync messages, ${syncBytes.toLocaleString('en-US')} bytes in all: ${ratio.toFixed(2)}× the divergent ops (target ≤ 3×) ${ratio <= 3 && converged ? 'met' : 'NOT MET'}`)
  console.log(`  ${ms.toFixed(0)} ms, including verifying the ${2 * ONLY} ops received and every message's signature${converged ? '' : ' — DID NOT CONVERGE'}`)
  results.antiEntropy = { opsPerPeer: SHARED + ONLY, divergent: 2 * ONLY, divergentBytes, syncBytes, messages, ratio, ms, converged, target: 3 }
}

// Throughput first, on a fresh heap: the late-op fixture leaves hundreds of thousands of objects for the GC.
await applyThroughput()
await signedThroughput()
lateOp()
await antiEntropy()
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(new URL('./results/late-op.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
