// Trust from one viewpoint over a 100,000-edge graph: the full computation, and the incremental update after one
// new (and one revoked) edge, side by side in the same run, each as p50/p99 of many timed runs. The incremental
// view is checked against a recomputation from scratch at the end, so the figures are for a correct result.
// Run: pnpm --filter @dscs/trust-wot bench (after a build); writes bench/results/trust-wot.json.
// Node runs this file as it is (type stripping), so it imports the built package.
import { mkdirSync, writeFileSync } from 'node:fs'
import { percentile } from '@dscs/bench'
import { EdgeLayer, TrustView, computeTrust, resolveMetric } from '@dscs/trust-wot'

const IDENTITIES = 10_000
const DEGREE = 10
const FULL_RUNS = Number(process.env.BENCH_FULL_RUNS ?? 40)
const UPDATES = Number(process.env.BENCH_UPDATES ?? 5_000)

// A seeded generator (mulberry32): the same graph on every run.
let state = 42
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}
const pick = (n: number): number => Math.floor(random() * n)

const layer = new EdgeLayer()
while (layer.size < IDENTITIES * DEGREE) {
  const truster = pick(IDENTITIES)
  const trustee = pick(IDENTITIES)
  if (truster !== trustee) layer.set(truster, trustee, 1 + pick(100))
}
const params = resolveMetric()
console.log(`@dscs/trust-wot · ${IDENTITIES.toLocaleString('en')} identities, ${layer.size.toLocaleString('en')} edges, metric ${JSON.stringify(params)}`)


const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1_000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`)

// The full computation from scratch, as a new viewpoint or a recomputation does it.
let reached = 0
for (let i = 0; i < 3; i++) computeTrust(layer, 0, params) // warm-up
const full: number[] = []
for (let i = 0; i < FULL_RUNS; i++) {
  const start = performance.now()
  reached = computeTrust(layer, 0, params).size
  full.push(performance.now() - start)
}

// The incremental view, kept up to date by each edge change: one new edge, then its revocation, timed apart.
const view = new TrustView(layer, 0, params)
const added: number[] = []
const revoked: number[] = []
for (let i = 0; i < UPDATES + 200; i++) {
  let truster = pick(IDENTITIES)
  let trustee = pick(IDENTITIES)
  while (truster === trustee || layer.level(truster, trustee) !== 0) {
    truster = pick(IDENTITIES)
    trustee = pick(IDENTITIES)
  }
  const level = 1 + pick(100)
  let start = performance.now()
  layer.set(truster, trustee, level)
  const addMs = performance.now() - start
  start = performance.now()
  layer.set(truster, trustee, 0)
  const revokeMs = performance.now() - start
  if (i < 200) continue // warm-up
  added.push(addMs)
  revoked.push(revokeMs)
}
// Then a burst of lasting changes, and the check that the incremental view still equals a recomputation.
for (let i = 0; i < 500; i++) {
  const truster = pick(IDENTITIES)
  const trustee = pick(IDENTITIES)
  if (truster !== trustee) layer.set(truster, trustee, random() < 0.3 ? 0 : 1 + pick(100))
}
const expected = computeTrust(layer, 0, params)
for (let node = 1; node < IDENTITIES; node++) {
  if (view.units(node) !== (expected.get(node) ?? 0)) throw new Error(`the incremental view differs from the recomputation at identity ${node}`)
}

const figures = {
  identities: IDENTITIES,
  edges: layer.size,
  reached,
  metric: params,
  full: { runs: FULL_RUNS, p50Ms: percentile(full, 50), p99Ms: percentile(full, 99), targetMs: 100 },
  newEdge: { runs: added.length, p50Ms: percentile(added, 50), p99Ms: percentile(added, 99), targetMs: 1 },
  revokedEdge: { runs: revoked.length, p50Ms: percentile(revoked, 50), p99Ms: percentile(revoked, 99) }
}
console.log(`  identities reached from the viewer:                  ${reached.toLocaleString('en')}`)
console.log(`  full computation (one viewpoint)     p50 ${fmt(figures.full.p50Ms).padStart(10)}  p99 ${fmt(figures.full.p99Ms).padStart(10)}  (target ≤ 100 ms)`)
console.log(`  incremental, one new edge            p50 ${fmt(figures.newEdge.p50Ms).padStart(10)}  p99 ${fmt(figures.newEdge.p99Ms).padStart(10)}  (target ≤ 1 ms)`)
console.log(`  incremental, one revoked edge        p50 ${fmt(figures.revokedEdge.p50Ms).padStart(10)}  p99 ${fmt(figures.revokedEdge.p99Ms).padStart(10)}`)
console.log(`  full ÷ incremental (p50):            ${(figures.full.p50Ms / figures.newEdge.p50Ms).toFixed(0)}×`)
const results = new URL('results/', import.meta.url)
mkdirSync(results, { recursive: true })
writeFileSync(new URL('trust-wot.json', results), `${JSON.stringify(figures, null, 2)}\n`)
