// Stamp minting hash rate per core against its anchor, raw node:crypto SHA-256 over the same input size measured
// in the same run (target ≥ 0.8×), with the other ways to hash a fixed prefix and a nonce; stamp verification
// ops/s. Writes the figures to bench/results/. Node runs this file as it is (type stripping) against the build.
import { createHash, hash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { sha256 } from '@noble/hashes/sha2.js'
import { generateIdentity, signEnvelope } from '@dscs/identity'
import { createEnvelope, signingBytes } from '@dscs/wire'
import { MAX_STAMP_BITS, NonceSearch, mintStamp, nonceBytes, stampWork, verifyStamp, type MintProgress } from '@dscs/trust-pow'

const HASHES = Number(process.env.BENCH_HASHES ?? 400_000)
const PAYLOAD_BYTES = Number(process.env.BENCH_PAYLOAD_BYTES ?? 120)

/** Runs `attempt` HASHES times (after a tenth as warm-up) and returns attempts per second. */
function perSecond(label: string, attempt: (i: number) => void): number {
  for (let i = 0; i < HASHES / 10; i++) attempt(i)
  const start = performance.now()
  for (let i = 0; i < HASHES; i++) attempt(i)
  const rate = HASHES / ((performance.now() - start) / 1_000)
  console.log(`${label}: ${(rate / 1e6).toFixed(3)} M/s`)
  return rate
}

const identity = generateIdentity()
const envelope = signEnvelope(
  identity,
  createEnvelope({ kind: 'bench.Chat', payload: new Uint8Array(PAYLOAD_BYTES).fill(7), author: identity.publicKey, timestamp: Date.now() })
)
const signing = signingBytes(envelope)
const input = new Uint8Array(signing.length + 8)
input.set(signing)
const view = new DataView(input.buffer)
console.log(`input: ${signing.length} signing bytes + 8-byte nonce = ${input.length} bytes, ${HASHES} hashes per figure`)

// The anchor: one node:crypto SHA-256 over the whole input per attempt, the nonce changed in place.
const raw = perSecond('anchor: node:crypto hash() over the input', (i) => {
  view.setUint32(input.length - 4, i)
  hash('sha256', input, 'buffer')
})
const prefix = createHash('sha256').update(signing)
const nonce = new Uint8Array(8)
const nonceView = new DataView(nonce.buffer)
const copied = perSecond('node:crypto prefix hashed once, copy().update(nonce).digest()', (i) => {
  nonceView.setUint32(4, i)
  prefix.copy().update(nonce).digest()
})
const noblePrefix = sha256.create().update(signing)
const noble = perSecond('@noble/hashes prefix hashed once, clone().update(nonce).digest()', (i) => {
  nonceView.setUint32(4, i)
  noblePrefix.clone().update(nonce).digest()
})
// The mint loop itself, on this thread: the target is never met, so every attempt is a full one.
const search = new NonceSearch(signing, MAX_STAMP_BITS)
search.run(0, HASHES / 10)
const loopStart = performance.now()
search.run(HASHES, HASHES)
const inThread = HASHES / ((performance.now() - loopStart) / 1_000)
console.log(`mint loop (NonceSearch) on this thread: ${(inThread / 1e6).toFixed(3)} M/s`)

// One worker thread minting at an unreachable difficulty: its own progress reports give its hash rate.
const controller = new AbortController()
let last: MintProgress | undefined
await mintStamp(envelope, MAX_STAMP_BITS, {
  signal: controller.signal,
  progressEvery: 262_144,
  onProgress: (progress) => {
    last = progress
    if (progress.hashes >= 8 * 262_144) controller.abort()
  }
}).catch((err: unknown) => {
  if ((err as { code?: string }).code !== 'ABORTED') throw err
})
const worker = last!.hashRate
console.log(`mint on one worker thread (startup included): ${(worker / 1e6).toFixed(3)} M/s over ${last!.hashes} hashes`)

const stamp = nonceBytes(12_345)
const verify = perSecond('stamp verification from signing bytes (stampWork: one SHA-256, as Net.admit runs it)', () => stampWork(signing, stamp))
const stamped = { ...envelope, stamp }
const verifyEnvelope = perSecond('stamp verification of an envelope (verifyStamp: signing bytes built, then one SHA-256)', () => verifyStamp(stamped, 1))

const ratios = {
  inThreadToRaw: inThread / raw,
  workerToRaw: worker / raw,
  copyToRaw: copied / raw,
  nobleToRaw: noble / raw
}
console.log(`mint hash rate per core / node:crypto: ${ratios.inThreadToRaw.toFixed(2)}× on this thread, ${ratios.workerToRaw.toFixed(2)}× on a worker (target ≥ 0.8×)`)
console.log(`alternatives / node:crypto: copy() ${ratios.copyToRaw.toFixed(2)}×, noble clone() ${ratios.nobleToRaw.toFixed(2)}×`)
const results = new URL('results/', import.meta.url)
mkdirSync(results, { recursive: true })
writeFileSync(
  new URL('stamps.json', results),
  `${JSON.stringify(
    {
      benchmark: 'stamp minting and verification',
      inputBytes: input.length,
      hashes: HASHES,
      perSecond: { rawNodeCrypto: raw, nodeCryptoCopy: copied, nobleClone: noble, mintInThread: inThread, mintWorker: worker, verify, verifyEnvelope },
      ratios
    },
    null,
    2
  )}\n`
)
