// @dscs/trust-observer sequencing benchmark, figures beside their anchors measured in the same run. The observer
// service is driven directly (no sockets: a stub Net hands it Submit messages and takes its answers), batching every
// 100 ms into a StoreMerkleLog on a LevelStore on disk, receipts sent only once each append resolved. Submissions
// are kept a window in flight (a new one as each receipt comes back: 4,096 with signatures to check, 16,384 without),
// so the queue, and the latency, stay those of a saturated observer rather than of a flood queued up front.
//   (a) every submission's Ed25519 signature verified, as the service does it (node:crypto's thread pool, 16 at a
//       time): entries/s as a ratio to raw native Ed25519 verification of the same envelopes, synchronous, one after
//       the other, on this machine (target ≥ 0.8); beside it, informative, the core checking signatures inline;
//   (b) signatures already verified (the node's verification cache holds every verdict): entries/s durably committed
//       (target ≥ 50,000); beside it, informative, the CPU time an entry took (the main thread's, the process's) and the
//       rate that allows on this machine's cores left to the observer alone: on a shared machine the wall-clock rate
//       is the share of a core the observer got.
// Each reports the p99 time from submit to receipt. Rounds interleave the anchor and the runs; medians reported.
// Run: pnpm --filter @dscs/trust-observer bench (after a build)
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { arch, cpus, platform, tmpdir } from 'node:os'
import { join } from 'node:path'
import { identityFromSeed, signEnvelope, verify, VerificationCache } from '@dscs/identity'
import { systemClock, type DirectHandler, type MessageBytes, type Net, type PeerRef } from '@dscs/interface'
import { realTimers } from '@dscs/net'
import { LevelStore } from '@dscs/store'
import { encodeObserverMessage, ObserverService, PROTOCOL_ID } from '@dscs/trust-observer'
import { createEnvelope, decodeEnvelope, encodeEnvelope, hashSigned, signingBytes } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 60_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
// Submissions handed over between two turns of the event loop (when appends resolve and batches are cut).
const CHUNK = 500
const BATCH_INTERVAL = 100
// Enough to keep the observer saturated: about two batches at the rate each run reaches.
const WINDOW = { verified: 4_096, preverified: 16_384 }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const percentile = (values: Float64Array, p: number): number => {
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

// Envelopes of 64 authors with 64-byte payloads: the shape of small application ops.
console.log(`signing ${ENTRIES.toLocaleString('en')} envelopes…`)
const authors = Array.from({ length: 64 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
const now = Date.now()
const envelopes = Array.from({ length: ENTRIES }, (_, i) => {
  const author = authors[i % authors.length]!
  return encodeEnvelope(signEnvelope(author, createEnvelope({ kind: 'bench.Op', payload: new Uint8Array(64).fill(i & 255), author: author.publicKey, timestamp: now, seq: i })))
})
// Submission i comes from "peer" i, so the answer's recipient names the submission it answers.
const messages = envelopes.map((envelope, i) => encodeObserverMessage({ type: 'submit', request: i, envelope }))
const opened = envelopes.map((bytes) => {
  const envelope = decodeEnvelope(bytes)
  const signing = signingBytes(envelope)
  return { envelope, signing, id: bytesToHex(hashSigned(signing, envelope.signature)) }
})

/** A Net with no network: the bench is the only peer, calling the handler and timing the answers. */
class StubNet implements Net {
  readonly self = 'observer'
  handler: DirectHandler | undefined
  onSend: (to: PeerRef, bytes: MessageBytes) => void = () => {}
  peers = () => []
  send = async (to: PeerRef, _protocol: string, bytes: MessageBytes) => this.onSend(to, bytes)
  handle = (_protocol: string, handler: DirectHandler) => ((this.handler = handler), () => (this.handler = undefined))
  publish = async () => {}
  subscribe = () => () => {}
  onPeer = () => () => {}
  penalise = (peer: PeerRef, code: string) => {
    throw new Error(`the bench's submission ${peer} was refused: ${code}`)
  }
}

/** Raw native Ed25519 verification of the same envelopes, one after the other: the anchor of (a). */
function rawVerify(): number {
  const start = performance.now()
  for (const { envelope, signing } of opened) if (!verify(envelope.author, signing, envelope.signature)) throw new Error('a signature did not verify')
  return ENTRIES / ((performance.now() - start) / 1_000)
}

/** Every envelope through a fresh observer on a fresh LevelStore: entries/s from the first submission to the last receipt, and the p99 latency. */
async function sequence(
  preverified: boolean,
  parallelVerify = true
): Promise<{ entriesPerSecond: number; p99Ms: number; p50Ms: number; batches: number; mainCpuUs: number; processCpuUs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'observer-bench-'))
  const store = await LevelStore.open(dir)
  const net = new StubNet()
  const verificationCache = new VerificationCache(ENTRIES + 1)
  if (preverified) for (const { id } of opened) verificationCache.set(id, true)
  const observer = new ObserverService(
    { net, identity: identityFromSeed(new Uint8Array(32).fill(200)), clock: systemClock, timers: realTimers, verificationCache, store },
    { batchInterval: BATCH_INTERVAL, maxClockSkew: 3_600_000, maxQueue: ENTRIES, maxRecent: ENTRIES, parallelVerify }
  )
  let batches = 0
  observer.onEvent((event) => event.type === 'committed' && batches++)
  await observer.start()
  observer.afterStart()
  const window = preverified ? WINDOW.preverified : WINDOW.verified
  const submitted = new Float64Array(ENTRIES)
  const latency = new Float64Array(ENTRIES)
  let answered = 0
  let done: () => void = () => {}
  let room: () => void = () => {}
  const finished = new Promise<void>((resolve) => (done = resolve))
  net.onSend = (to) => {
    const i = Number(to)
    latency[i] = performance.now() - submitted[i]!
    if (++answered === ENTRIES) done()
    room()
  }
  const start = performance.now()
  const mainCpu = process.threadCpuUsage()
  const processCpu = process.cpuUsage()
  for (let i = 0; i < ENTRIES; i++) {
    while (i - answered >= window) await new Promise<void>((resolve) => (room = resolve))
    submitted[i] = performance.now()
    void net.handler!({ from: String(i), protocol: PROTOCOL_ID, bytes: messages[i]! })
    if (i % CHUNK === CHUNK - 1) await new Promise((resolve) => setImmediate(resolve))
  }
  await finished
  const seconds = (performance.now() - start) / 1_000
  const cpuUs = ({ user, system }: { user: number; system: number }) => (user + system) / ENTRIES
  const mainCpuUs = cpuUs(process.threadCpuUsage(mainCpu))
  const processCpuUs = cpuUs(process.cpuUsage(processCpu))
  observer.beforeStop()
  await observer.stop()
  await store.close()
  await rm(dir, { recursive: true, force: true })
  return { entriesPerSecond: ENTRIES / seconds, p99Ms: percentile(latency, 99), p50Ms: percentile(latency, 50), batches, mainCpuUs, processCpuUs }
}

console.log(`${ENTRIES.toLocaleString('en')} submissions per run, ${BATCH_INTERVAL} ms batches into a StoreMerkleLog on LevelDB, ${ROUNDS} interleaved rounds`)
type Run = Awaited<ReturnType<typeof sequence>>
const rounds: { raw: number; verified: Run; inline: Run; preverified: Run }[] = []
rawVerify() // warm-up: key imports, JIT
await sequence(false)
for (let round = 0; round < ROUNDS; round++) {
  const raw = rawVerify()
  const verified = await sequence(false)
  const inline = await sequence(false, false)
  const preverified = await sequence(true)
  rounds.push({ raw, verified, inline, preverified })
  const figure = (run: Run) => `${Math.round(run.entriesPerSecond).toLocaleString('en')}/s (p99 ${run.p99Ms.toFixed(0)} ms)`
  console.log(
    `  round ${round + 1}: raw verify ${Math.round(raw).toLocaleString('en')}/s · (a) ${figure(verified)} = ${(verified.entriesPerSecond / raw).toFixed(2)}× · ` +
      `inline ${figure(inline)} = ${(inline.entriesPerSecond / raw).toFixed(2)}× · (b) ${figure(preverified)}, CPU an entry ${preverified.mainCpuUs.toFixed(1)} µs main thread, ${preverified.processCpuUs.toFixed(1)} µs process`
  )
  await sleep(200)
}

const raw = median(rounds.map((r) => r.raw))
const ratio = median(rounds.map((r) => r.verified.entriesPerSecond / r.raw))
const verifiedRate = median(rounds.map((r) => r.verified.entriesPerSecond))
const committedRate = median(rounds.map((r) => r.preverified.entriesPerSecond))
const verifiedP99 = median(rounds.map((r) => r.verified.p99Ms))
const inlineRatio = median(rounds.map((r) => r.inline.entriesPerSecond / r.raw))
const inlineRate = median(rounds.map((r) => r.inline.entriesPerSecond))
const inlineP99 = median(rounds.map((r) => r.inline.p99Ms))
const committedP99 = median(rounds.map((r) => r.preverified.p99Ms))
const committedMainCpu = median(rounds.map((r) => r.preverified.mainCpuUs))
const committedProcessCpu = median(rounds.map((r) => r.preverified.processCpuUs))
// What (b) needs of a core, whatever else the machine runs: the main thread does the sequencing, the other threads
// (LevelDB's writes, the GC's helpers) run beside it, so a machine of `cpus` cores free for the observer commits at most this.
const cpuBound = Math.min(1e6 / committedMainCpu, (cpus().length * 1e6) / committedProcessCpu)
console.log(`raw native Ed25519 verify (synchronous):        ${Math.round(raw).toLocaleString('en')} signatures/s`)
console.log(`(a) sequencing, every signature verified:       ${Math.round(verifiedRate).toLocaleString('en')} entries/s = ${ratio.toFixed(2)}× raw verify (target ≥ 0.8) ${ratio >= 0.8 ? 'met' : 'NOT MET'}; p99 submit→receipt ${verifiedP99.toFixed(0)} ms`)
console.log(`    informative, signatures checked inline:      ${Math.round(inlineRate).toLocaleString('en')} entries/s = ${inlineRatio.toFixed(2)}× raw verify; p99 submit→receipt ${inlineP99.toFixed(0)} ms`)
console.log(`(b) sequencing, signatures already verified:     ${Math.round(committedRate).toLocaleString('en')} entries/s durably committed (target ≥ 50,000) ${committedRate >= 50_000 ? 'met' : 'NOT MET'}; p99 submit→receipt ${committedP99.toFixed(0)} ms`)
console.log(
  `    CPU time an entry committed (informative):   ${committedMainCpu.toFixed(1)} µs on the main thread, ${committedProcessCpu.toFixed(1)} µs in the process: ` +
    `${Math.round(cpuBound).toLocaleString('en')} entries/s on ${cpus().length} cores left to the observer`
)

const results = new URL('./results/', import.meta.url)
await mkdir(results, { recursive: true })
await writeFile(
  new URL('observer.json', results),
  `${JSON.stringify(
    {
      package: '@dscs/trust-observer',
      benchmark: 'sequencing',
      machine: { platform: platform(), arch: arch(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      entries: ENTRIES,
      batchIntervalMs: BATCH_INTERVAL,
      rawVerifyPerSecond: raw,
      window: WINDOW,
      verified: { entriesPerSecond: verifiedRate, ratioToRawVerify: ratio, target: 0.8, met: ratio >= 0.8, p99Ms: verifiedP99 },
      verifiedInline: { entriesPerSecond: inlineRate, ratioToRawVerify: inlineRatio, p99Ms: inlineP99 },
      preverified: {
        entriesPerSecond: committedRate,
        target: 50_000,
        met: committedRate >= 50_000,
        p99Ms: committedP99,
        mainThreadCpuUsPerEntry: committedMainCpu,
        processCpuUsPerEntry: committedProcessCpu,
        cpuBoundEntriesPerSecond: cpuBound
      },
      rounds
    },
    null,
    2
  )}\n`
)
