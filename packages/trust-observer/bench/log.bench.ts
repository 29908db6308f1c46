// The Merkle log on LevelDB: raw append throughput (100-byte entries, batches of 5 000), and proof generation at
// 1 million and 10 million entries, with the store reads each proof takes, side by side: both must stay
// logarithmic. Also inclusion-proof verification per second. Writes the figures to bench/results/log.json.
// The 10M log takes minutes to build: LOG_BENCH_SIZES=1000000 measures 1M alone. Logs are built in a temporary
// directory (LOG_BENCH_DIR to choose it) and removed afterwards.
// Node runs this file as it is (type stripping), so it imports the built package and names .ts files in full.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { LevelStore } from '@dscs/store'
import { StoreMerkleLog, leafHash, nativeSha256, setLogSha256, verifyConsistency, verifyInclusion } from '@dscs/trust-observer'
import { CountingStore } from '../test/log-counting-store.ts'

const SIZES = (process.env.LOG_BENCH_SIZES ?? '1000000,10000000').split(',').map(Number)
const BATCH = 5_000
const ENTRY_BYTES = 100
const PROOFS = Number(process.env.LOG_BENCH_PROOFS ?? 2_000)
const CONCURRENCY = 64
const VERIFICATIONS = Number(process.env.LOG_BENCH_VERIFICATIONS ?? 20_000)

/** Entry i: 100 bytes, its index in the first 8 and filler after, so every entry differs. */
function entryOf(i: number): Uint8Array {
  const entry = new Uint8Array(ENTRY_BYTES).fill(0x61)
  new DataView(entry.buffer).setFloat64(0, i)
  return entry
}

/** A deterministic generator of indices, so runs at different sizes ask comparable questions. */
function randomIndices(count: number, below: number, seed = 1): number[] {
  let state = seed
  return Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return Math.floor((state / 2 ** 31) * below)
  })
}

interface SizeResult {
  entries: number
  appendEntriesPerSecond: number
  buildSeconds: number
  inclusionMicros: number
  inclusionReads: number
  inclusionMaxReads: number
  consistencyMicros: number
  consistencyReads: number
  consistencyMaxReads: number
  inclusionPerSecondConcurrent: number
  rootMicros: number
  reopenMillis: number
  reopenReads: number
}

async function build(location: string, size: number): Promise<{ store: CountingStore; log: StoreMerkleLog; seconds: number }> {
  const store = new CountingStore(await LevelStore.open(location))
  const log = await StoreMerkleLog.open(store)
  const start = performance.now()
  let reported = start
  const batch: Uint8Array[] = []
  while (log.size < size) {
    batch.length = 0
    for (let i = log.size; i < Math.min(size, log.size + BATCH); i++) batch.push(entryOf(i))
    await log.append(batch)
    if (performance.now() - reported > 10_000 || log.size === size) {
      reported = performance.now()
      const seconds = (reported - start) / 1_000
      console.log(`  built ${log.size.toLocaleString('en')} of ${size.toLocaleString('en')} entries in ${seconds.toFixed(0)} s (${Math.round(log.size / seconds).toLocaleString('en')} entries/s)`)
    }
  }
  return { store, log, seconds: (performance.now() - start) / 1_000 }
}

/** Mean µs and mean and largest reads of `run` over `inputs`, one at a time (latency, not throughput). */
async function perProof<T>(store: CountingStore, inputs: readonly T[], run: (input: T) => Promise<unknown>): Promise<{ micros: number; reads: number; maxReads: number }> {
  for (const input of inputs.slice(0, 100)) await run(input) // warm-up
  let reads = 0
  let maxReads = 0
  const start = performance.now()
  for (const input of inputs) {
    store.reset()
    await run(input)
    reads += store.gets
    maxReads = Math.max(maxReads, store.gets)
  }
  return { micros: ((performance.now() - start) * 1_000) / inputs.length, reads: reads / inputs.length, maxReads }
}

/** Proofs a second with `CONCURRENCY` in flight: what a busy observer serves, the store's threads all at work. */
async function concurrentRate<T>(inputs: readonly T[], run: (input: T) => Promise<unknown>): Promise<number> {
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < inputs.length) await run(inputs[next++]!)
    })
  )
  return inputs.length / ((performance.now() - start) / 1_000)
}

async function measure(size: number, location: string): Promise<SizeResult> {
  console.log(`log of ${size.toLocaleString('en')} entries of ${ENTRY_BYTES} bytes, appended in batches of ${BATCH.toLocaleString('en')}:`)
  const { store, log, seconds } = await build(location, size)
  const indices = randomIndices(PROOFS, size)
  const inclusion = await perProof(store, indices, (index) => log.inclusionProof(index, size))
  const consistency = await perProof(store, indices, (oldSize) => log.consistencyProof(oldSize + 1, size))
  const roots = await perProof(store, indices, (oldSize) => log.root(oldSize + 1))
  const concurrent = await concurrentRate(indices, (index) => log.inclusionProof(index, size))
  // Spot checks: what was measured is right.
  const index = indices[0]!
  if (!verifyInclusion(leafHash(entryOf(index)), index, size, await log.inclusionProof(index, size), log.state.root)) throw new Error('an inclusion proof did not verify')
  if (!verifyConsistency(index + 1, size, await log.root(index + 1), log.state.root, await log.consistencyProof(index + 1, size))) throw new Error('a consistency proof did not verify')
  store.reset()
  const reopenStart = performance.now()
  const reopened = await StoreMerkleLog.open(store)
  const reopenMillis = performance.now() - reopenStart
  if (reopened.size !== size) throw new Error('the reopened log lost entries')
  const reopenReads = store.gets + store.ranges
  await store.close()
  const result: SizeResult = {
    entries: size,
    appendEntriesPerSecond: size / seconds,
    buildSeconds: seconds,
    inclusionMicros: inclusion.micros,
    inclusionReads: inclusion.reads,
    inclusionMaxReads: inclusion.maxReads,
    consistencyMicros: consistency.micros,
    consistencyReads: consistency.reads,
    consistencyMaxReads: consistency.maxReads,
    inclusionPerSecondConcurrent: concurrent,
    rootMicros: roots.micros,
    reopenMillis,
    reopenReads
  }
  console.log(
    `  inclusion proof ${inclusion.micros.toFixed(1)} µs, ${inclusion.reads.toFixed(1)} reads (max ${inclusion.maxReads}); ` +
      `consistency proof ${consistency.micros.toFixed(1)} µs, ${consistency.reads.toFixed(1)} reads (max ${consistency.maxReads}); ` +
      `${Math.round(concurrent).toLocaleString('en')} inclusion proofs/s with ${CONCURRENCY} in flight; past root ${roots.micros.toFixed(1)} µs; reopen ${reopenMillis.toFixed(1)} ms, ${reopenReads} reads`
  )
  return result
}

/** Inclusion-proof verifications per second with proofs of a log of `size` entries, built in memory from the log's own proofs. */
async function verificationRate(location: string, size: number): Promise<{ native: number; noble: number; proofHashes: number }> {
  const store = await LevelStore.open(location)
  const log = await StoreMerkleLog.open(store)
  const indices = randomIndices(1_000, size, 7)
  const cases = await Promise.all(indices.map(async (index) => ({ index, leaf: leafHash(entryOf(index)), proof: await log.inclusionProof(index, size) })))
  const root = log.state.root
  await store.close()
  const rate = (): number => {
    for (let i = 0; i < 1_000; i++) verifyInclusion(cases[i % cases.length]!.leaf, cases[i % cases.length]!.index, size, cases[i % cases.length]!.proof, root)
    const start = performance.now()
    for (let i = 0; i < VERIFICATIONS; i++) {
      const { index, leaf, proof } = cases[i % cases.length]!
      if (!verifyInclusion(leaf, index, size, proof, root)) throw new Error('a proof did not verify')
    }
    return VERIFICATIONS / ((performance.now() - start) / 1_000)
  }
  const native = rate()
  setLogSha256((data) => sha256(data))
  const noble = rate()
  setLogSha256(nativeSha256)
  return { native, noble, proofHashes: cases.reduce((sum, c) => sum + c.proof.length, 0) / cases.length }
}

const root = mkdtempSync(join(process.env.LOG_BENCH_DIR ?? tmpdir(), 'dscs-log-bench-'))
const results: SizeResult[] = []
let verification: Awaited<ReturnType<typeof verificationRate>> | undefined
try {
  for (const size of SIZES) {
    const location = join(root, String(size))
    results.push(await measure(size, location))
    verification ??= await verificationRate(location, size)
    rmSync(location, { recursive: true, force: true })
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}

console.log(`\n| entries | append (entries/s) | inclusion proof (µs) | reads | consistency proof (µs) | reads | inclusion proofs/s, ${CONCURRENCY} in flight | past root (µs) | reopen (ms) |`)
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`)
for (const r of results) {
  console.log(
    `| ${r.entries.toLocaleString('en')} | ${Math.round(r.appendEntriesPerSecond).toLocaleString('en')} | ${r.inclusionMicros.toFixed(1)} | ${r.inclusionReads.toFixed(1)} (max ${r.inclusionMaxReads}) | ` +
      `${r.consistencyMicros.toFixed(1)} | ${r.consistencyReads.toFixed(1)} (max ${r.consistencyMaxReads}) | ${Math.round(r.inclusionPerSecondConcurrent).toLocaleString('en')} | ${r.rootMicros.toFixed(1)} | ${r.reopenMillis.toFixed(1)} |`
  )
}
if (verification !== undefined) {
  console.log(
    `\ninclusion-proof verification (${verification.proofHashes.toFixed(1)} hashes a proof, at ${SIZES[0]!.toLocaleString('en')} entries): ` +
      `${Math.round(verification.native).toLocaleString('en')}/s on node:crypto, ${Math.round(verification.noble).toLocaleString('en')}/s on @noble/hashes`
  )
}
const results_ = new URL('results/', import.meta.url)
mkdirSync(results_, { recursive: true })
writeFileSync(new URL('log.json', results_), `${JSON.stringify({ benchmark: 'merkle log on LevelDB', batch: BATCH, entryBytes: ENTRY_BYTES, proofs: PROOFS, sizes: results, verification }, null, 2)}\n`)
