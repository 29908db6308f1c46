// Range-based reconciliation of two op logs of 50,000 realistic signed ops each, 500 of them only on each side,
// spread at random over a day. Measures, against its target (≤ 3×): every byte of every reconciliation message both
// ways plus the envelopes of the 1,000 divergent ops, divided by those envelopes alone; also messages, round trips,
// the wall time of the whole session (compute only, messages passed in memory) and the time to build a 50k index.
// Then the same session for a grid of branching factors and list thresholds, which is how the defaults were chosen.
//
// Run from packages/frp-state after building the package (node scripts/turbo.js run build --filter=@dscs/frp-state...):
//   npx pnpm exec node bench/reconcile.bench.ts
// The sync module is not exported from the package yet, so its runtime comes from dist/sync/ (which the build emits
// like the rest of src/) and its types from src/sync/; Node runs this file as it is (type stripping).
import { mkdirSync, writeFileSync } from 'node:fs'
import { arch, cpus, platform } from 'node:os'
import { identityFromSeed, signEnvelope, type Identity } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, hashSigned, signingBytes } from '@dscs/wire'
import { OpIndex, ReconcileSession, DEFAULT_BRANCHING, DEFAULT_LIST_THRESHOLD, type OpPosition, type ReconcileOptions, type ReconcileStep } from '@dscs/frp-state'

const OPS_PER_PEER = Number(process.env.BENCH_OPS ?? 50_000)
const DIVERGENT_PER_PEER = Number(process.env.BENCH_DIVERGENT ?? 500)
const AUTHORS = 32
const SPAN_MS = 86_400_000
const START_MS = 1_767_225_600_000 // 2026-01-01
const SESSION_REPEATS = 7
const TARGET_RATIO = 3

interface BenchOp extends OpPosition {
  readonly envelope: Uint8Array
}

// xorshift32: the same ops, ids and figures on every run.
let state = 0x9e3779b9
function random(): number {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) / 0x1_0000_0000
}

const identities: Identity[] = Array.from({ length: AUTHORS }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
const usedTimes = new Map<string, number>()

/** A signed op at a random time: an author's ops within one millisecond take successive counters, as its HLC would. */
function makeOp(): BenchOp {
  const author = identities[Math.floor(random() * AUTHORS)]!
  const wall = START_MS + Math.floor(random() * SPAN_MS)
  const key = `${author.publicKey.join()}@${wall}`
  const counter = usedTimes.get(key) ?? 0
  usedTimes.set(key, counter + 1)
  const payload = new Uint8Array(16 + Math.floor(random() * 33)).map(() => Math.floor(random() * 256))
  const envelope = signEnvelope(author, createEnvelope({ kind: 'dscs.frp-state.Op', payload, author: author.publicKey, timestamp: wall, seq: counter }))
  return { wall, counter, author: author.publicKey, id: hashSigned(signingBytes(envelope), envelope.signature), envelope: encodeEnvelope(envelope) }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]!
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now()
  const value = run()
  return { value, ms: performance.now() - start }
}

interface SessionFigures {
  readonly branching: number
  readonly listThreshold: number
  readonly messageBytesAtoB: number
  readonly messageBytesBtoA: number
  readonly messages: number
  readonly divergentEnvelopeBytes: number
  readonly ratio: number
  readonly sessionMs: number
}

/** One whole session, A initiating; checks that each side learnt exactly what the other lacks. */
function reconcile(a: OpIndex<BenchOp>, b: OpIndex<BenchOp>, onlyA: readonly BenchOp[], onlyB: readonly BenchOp[], options: ReconcileOptions): SessionFigures {
  const { value, ms } = timed(() => {
    const sessions = [new ReconcileSession(b, options), new ReconcileSession(a, options)] as const
    const bytes = [0, 0] // to B, to A
    const missing: BenchOp[] = []
    let message: Uint8Array | undefined = sessions[1].initiate()
    let turn = 0
    for (; message !== undefined; turn++) {
      bytes[turn % 2]! += message.length
      const step: ReconcileStep<BenchOp> = sessions[turn % 2]!.receive(message)
      missing.push(...step.missingAtPeer)
      message = step.reply
    }
    return { bytes, missing, messages: turn }
  })
  const expected = new Set([...onlyA, ...onlyB])
  if (value.missing.length !== expected.size || !value.missing.every((op) => expected.has(op))) {
    throw new Error(`the session found ${value.missing.length} divergent ops, not the ${expected.size} expected`)
  }
  const divergentEnvelopeBytes = value.missing.reduce((total, op) => total + op.envelope.length, 0)
  const messageBytes = value.bytes[0]! + value.bytes[1]!
  return {
    branching: options.branching ?? DEFAULT_BRANCHING,
    listThreshold: options.listThreshold ?? DEFAULT_LIST_THRESHOLD,
    messageBytesAtoB: value.bytes[0]!,
    messageBytesBtoA: value.bytes[1]!,
    messages: value.messages,
    divergentEnvelopeBytes,
    ratio: (messageBytes + divergentEnvelopeBytes) / divergentEnvelopeBytes,
    sessionMs: ms
  }
}

console.log(`@dscs/frp-state · reconcile: ${OPS_PER_PEER} ops per peer, ${DIVERGENT_PER_PEER} only on each side, over ${SPAN_MS / 3_600_000} h`)
const { value: ops, ms: signMs } = timed(() => Array.from({ length: OPS_PER_PEER + DIVERGENT_PER_PEER }, makeOp))
console.log(`  signed ${ops.length} envelopes in ${(signMs / 1000).toFixed(1)} s`)
// The divergent ops are drawn at random from the whole set, so they spread over the day like the rest.
for (let i = ops.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[ops[i], ops[j]] = [ops[j]!, ops[i]!]
}
const onlyA = ops.slice(0, DIVERGENT_PER_PEER)
const onlyB = ops.slice(DIVERGENT_PER_PEER, 2 * DIVERGENT_PER_PEER)
const shared = ops.slice(2 * DIVERGENT_PER_PEER)
const opsA = [...shared, ...onlyA]
const opsB = [...shared, ...onlyB]

const bulkMs = median(Array.from({ length: 5 }, () => timed(() => OpIndex.from(opsA)).ms))
const insertMs = median(
  Array.from({ length: 3 }, () =>
    timed(() => {
      const index = new OpIndex<BenchOp>()
      for (const op of opsA) index.insert(op)
      return index
    }).ms
  )
)
console.log(`  index of ${opsA.length} ops: built from a list in ${bulkMs.toFixed(1)} ms, by ${opsA.length} inserts in ${insertMs.toFixed(1)} ms`)

const a = OpIndex.from(opsA)
const b = OpIndex.from(opsB)
const runs = Array.from({ length: SESSION_REPEATS }, () => reconcile(a, b, onlyA, onlyB, {}))
const main = { ...runs[0]!, sessionMs: median(runs.map((run) => run.sessionMs)) }
const messageBytes = main.messageBytesAtoB + main.messageBytesBtoA
const met = main.ratio <= TARGET_RATIO
console.log(
  `  defaults (branching ${main.branching}, list threshold ${main.listThreshold}):\n` +
    `    reconciliation messages: ${messageBytes} bytes (${main.messageBytesAtoB} A→B, ${main.messageBytesBtoA} B→A), ${main.messages} messages, ${Math.ceil(main.messages / 2)} round trips\n` +
    `    divergent envelopes: ${2 * DIVERGENT_PER_PEER} ops, ${main.divergentEnvelopeBytes} bytes\n` +
    `    (messages + envelopes) / envelopes: ${main.ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×) ${met ? 'met' : 'NOT MET'}\n` +
    `    session: ${main.sessionMs.toFixed(1)} ms (median of ${SESSION_REPEATS})`
)

const grid: SessionFigures[] = []
for (const branching of [4, 8, 16, 32, 64]) {
  for (const listThreshold of [8, 16, 32, 64]) {
    if (listThreshold < branching - 1) continue
    grid.push(reconcile(a, b, onlyA, onlyB, { branching, listThreshold }))
  }
}
console.log('  branching · list threshold · ratio · messages · session ms')
for (const run of grid) {
  console.log(`    ${String(run.branching).padStart(2)} · ${String(run.listThreshold).padStart(2)} · ${run.ratio.toFixed(2)}× · ${run.messages} · ${run.sessionMs.toFixed(1)}`)
}

const results = new URL('results/', import.meta.url)
mkdirSync(results, { recursive: true })
const file = new URL('reconcile.json', results)
writeFileSync(
  file,
  `${JSON.stringify(
    {
      package: '@dscs/frp-state',
      benchmark: 'reconcile',
      date: new Date().toISOString(),
      machine: { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      scenario: { opsPerPeer: OPS_PER_PEER, divergentPerPeer: DIVERGENT_PER_PEER, authors: AUTHORS, spanMs: SPAN_MS },
      index: { ops: opsA.length, buildFromListMs: bulkMs, buildByInsertsMs: insertMs },
      session: { ...main, messageBytes, roundTrips: Math.ceil(main.messages / 2), target: TARGET_RATIO, met },
      grid
    },
    null,
    2
  )}\n`
)
console.log(`  wrote ${file.pathname}`)
