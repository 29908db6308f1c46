// @dscs/chunk-distribution: peak resident memory of a leecher downloading 1 GiB (target ≤ 200 MiB).
// Three processes, each a libp2p node on loopback TCP with the chunk-distribution service and an FsChunkStore:
// two seeders `publish` content generated as it is stored (a keystream from a seed, a megabyte at a time: no one
// holds the whole), and the leecher downloads it to disk. Its peak RSS is taken two ways: the kernel's ru_maxrss
// reported by the leecher as the download completes, and VmHWM read from /proc/<pid>/status every 100 ms; the
// larger is the figure. The leecher's copy is read back and checked against the content's SHA-256.
//
// Run: pnpm --filter @dscs/chunk-distribution bench (after a build), or alone: node bench/rss.bench.ts
// BENCH_QUICK=1: 128 MiB. BENCH_SIZE_MIB=n: n MiB. BENCH_DIR: where the stores go (3 GiB of disk for the full run).
// BENCH_MAX_OUTSTANDING=n: the leecher's download window in chunks (default 256, i.e. 64 MiB).
import { readFileSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { contentHash } from './swarm/content.ts'
import type { PeerProcess } from './swarm/peers.ts'
import { writeResults } from './swarm/results.ts'
import { MiB, runSwarm } from './swarm/run.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const SIZE = Number(process.env.BENCH_SIZE_MIB ?? (QUICK ? 128 : 1024)) * MiB
const SEEDERS = 2
const SEED = 3
const TARGET_MiB = 200
const RUN_LIMIT_MS = (QUICK ? 5 : 20) * 60_000

const log = (line: string): void => console.error(`  [${new Date().toISOString().slice(11, 19)}] ${line}`)

/** VmHWM and VmRSS of `pid` in bytes, from /proc (undefined once the process is gone). */
function procMemory(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { hwm: kib('VmHWM'), rss: kib('VmRSS') }
  } catch {
    return undefined
  }
}

/** Samples the leecher's memory from outside every 100 ms, with a progress line every 5 s. */
class Sampler {
  hwm = 0
  /** VmRSS of the first sample, as the download starts: the node's own footprint. */
  start: number | undefined
  readonly #timer: NodeJS.Timeout

  constructor(leecher: PeerProcess) {
    const start = performance.now()
    let told = 0
    this.#timer = setInterval(() => {
      const memory = procMemory(leecher.pid)
      if (memory === undefined) return
      this.hwm = Math.max(this.hwm, memory.hwm)
      this.start ??= memory.rss
      const seconds = (performance.now() - start) / 1000
      if (seconds - told >= 5) {
        told = seconds
        log(`leecher at ${seconds.toFixed(0)} s: RSS ${(memory.rss / MiB).toFixed(0)} MiB, peak ${(memory.hwm / MiB).toFixed(0)} MiB`)
      }
    }, 100)
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'dscs-rssbench-'))
setTimeout(() => {
  console.error(`rss bench: over its ${RUN_LIMIT_MS / 60_000} min limit, stopping`)
  rmSync(root, { recursive: true, force: true })
  process.exit(2)
}, RUN_LIMIT_MS).unref()

let sampler: Sampler | undefined
let result
try {
  const sha256 = await contentHash(SIZE, SEED)
  log(`${(SIZE / MiB).toFixed(0)} MiB from ${SEEDERS} seeders to 1 leecher, stores on disk under ${root}`)
  result = await runSwarm({
    system: 'dscs',
    seeders: SEEDERS,
    leechers: 1,
    origin: { generate: { size: SIZE, seed: SEED } },
    size: SIZE,
    sha256,
    root,
    log,
    watch: (leecher) => {
      const watching = new Sampler(leecher)
      sampler = watching
      return () => watching.stop()
    }
  })
} finally {
  await rm(root, { recursive: true, force: true })
}

const reported = result.maxRss[0]!
const peakMiB = Math.max(reported, sampler?.hwm ?? 0) / MiB
const at = result.peaks[0]!
const seconds = result.seconds[0]!
const met = peakMiB <= TARGET_MiB
const mib = (bytes: number): string => (bytes / MiB).toFixed(0)
console.log(
  `leecher downloading ${mib(SIZE)} MiB from ${SEEDERS} seeders into FsChunkStore: peak RSS ${peakMiB.toFixed(0)} MiB ` +
    `(target ≤ ${TARGET_MiB} MiB: ${met ? 'met' : 'NOT met'}); ${(SIZE / MiB / seconds).toFixed(1)} MiB/s, ${seconds.toFixed(1)} s`
)
console.log(
  `  RSS as the download started ${mib(sampler?.start ?? 0)} MiB; at its largest during it: RSS ${mib(at.rss)} MiB, V8 heap ${mib(at.heapUsed)} used of ` +
    `${mib(at.heapTotal)} MiB (young generation ${mib(at.newSpace)} MiB), external ${mib(at.external)} MiB (array buffers ${mib(at.arrayBuffers)} MiB)`
)

await writeResults('rss', {
  bytes: SIZE,
  seeders: SEEDERS,
  peakRssMiB: peakMiB,
  maxRssReportedMiB: reported / MiB,
  vmHwmSampledMiB: (sampler?.hwm ?? 0) / MiB,
  rssAtStartMiB: (sampler?.start ?? 0) / MiB,
  target: { atMostMiB: TARGET_MiB, met },
  memoryAtPeakMiB: Object.fromEntries(Object.entries(at).map(([field, bytes]) => [field, bytes / MiB])),
  seconds,
  MiBps: SIZE / MiB / seconds,
  notes: result.notes[0],
  verified: result.verified
})
