// @dscs/chunk-distribution beside WebTorrent (npm `webtorrent`), same machine, same content, same run:
// (a) 256 MiB from 4 seeders to 1 leecher; (b) a flash crowd: 64 MiB from 1 seeder to 8 leechers at once
// (throughput: all bytes delivered / time until the last leecher completes; the mean per leecher beside it).
// Target: DSCS ≥ 1.5× WebTorrent's throughput in both.
//
// Fairness: every peer of both systems is its own process (its own event loop), on loopback TCP. Both seed from
// the same file written in a temporary directory (DSCS seeders `publish` it into their FsChunkStore, WebTorrent
// seeds the file in place) and both leechers write files (DSCS: FsChunkStore; WebTorrent: its file store). The
// directory is on tmpfs (/dev/shm) by default: this machine's disk is slow and shared, and would measure its
// writeback queue and DSCS's fdatasyncs rather than the transfer (BENCH_DIR=/tmp measures on disk). Seeding (the
// hashing) happens before the clock starts. The clock starts when the coordinator tells every leecher to go; each
// then connects to the seeders and to the leechers before it (DSCS dials their multiaddrs, WebTorrent
// `addPeer('127.0.0.1:port')`) and downloads, starting with the first peer connected. WebTorrent is given the
// .torrent (`client.add`) before the clock starts, so that leechers accept each other at once; DSCS learns the
// manifest from its peers inside the timed part. libp2p refuses more than 5 inbound connections a second from one
// host, and every peer here is 127.0.0.1: a DSCS dial refused is tried again 250 ms later (counted in the results).
// Both verify every piece (DSCS: SHA-256 with Merkle proofs; WebTorrent: SHA-1 per piece); pieces are 256 KiB in
// both. WebTorrent runs TCP only: no DHT, trackers, local discovery, uTP, web seeds, NAT traversal or peer
// exchange; its connections use its default `secure: 1` (encryption offered, plaintext accepted), DSCS's Noise
// (ChaCha20-Poly1305) + Yamux. A third system, bare libp2p streams (swarm/libp2p-peer.ts: the same nodes, each
// leecher's share fixed up front, nothing verified or stored), gives the ceiling any protocol on libp2p meets on this
// machine. Every leecher's copy is hashed in the first round. Rounds interleave the systems (DSCS, WebTorrent, bare
// libp2p, DSCS, …); medians of 3 rounds, ratios per round. Beside throughput, the CPU time (user and
// system) of every peer process from the start signal to the last completion, per MiB delivered: this 2-core host
// is shared, so throughput follows the CPU the other tenants leave, and CPU per MiB is the steadier comparison.
// DSCS keeps its provider discovery (announcements on gossip): without it a leecher whose connections libp2p closes
// under load (its ping monitor) never dials them again, and flash-crowd rounds hang.
//
// Run: pnpm --filter @dscs/chunk-distribution bench (after a build), or alone: node bench/webtorrent.bench.ts
// BENCH_QUICK=1: 32 MiB and 8 MiB, 1 round. BENCH_ROUNDS=n: rounds. BENCH_DIR: where the temporary files go.
// BENCH_SYSTEMS=dscs,libp2p and BENCH_ONLY=flashCrowd narrow the run. BENCH_PROFILE=<dir>: every peer writes a CPU
// profile of the timed part there (<pid>.cpuprofile).
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeContent } from './swarm/content.ts'
import type { System } from './swarm/peers.ts'
import { writeResults } from './swarm/results.ts'
import { MiB, runSwarm } from './swarm/run.ts'

const QUICK = process.env.BENCH_QUICK === '1'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3))
const TARGET = 1.5
const NAMES: Record<System, string> = { dscs: 'DSCS', webtorrent: 'WebTorrent', libp2p: 'bare libp2p streams' }
const SYSTEMS = chosen('BENCH_SYSTEMS', Object.keys(NAMES) as System[])
const SCENARIOS = [
  { key: 'fourSeeders', title: '4 seeders → 1 leecher', seeders: 4, leechers: 1, size: (QUICK ? 32 : 256) * MiB, seed: 1 },
  { key: 'flashCrowd', title: 'flash crowd, 1 seeder → 8 leechers', seeders: 1, leechers: 8, size: (QUICK ? 8 : 64) * MiB, seed: 2 }
] as const
const ONLY = chosen('BENCH_ONLY', SCENARIOS.map((s) => s.key))
const RUN_SCENARIOS = SCENARIOS.filter((s) => ONLY.includes(s.key))
// The whole run, bounded: past it the children are killed (peers.ts, on exit) and the files removed.
const RUN_LIMIT_MS = (QUICK ? 10 : 15 + 10 * ROUNDS) * 60_000

interface Round {
  readonly round: number
  /** Bytes delivered to all leechers / seconds until the last completed, MiB/s. */
  readonly aggregateMiBps?: number
  /** Mean over leechers of size / that leecher's seconds, MiB/s. */
  readonly meanPerLeecherMiBps?: number
  readonly seconds?: readonly number[]
  /** CPU milliseconds (user and system) of all the peers per MiB delivered to the leechers. */
  readonly cpuMsPerMiB?: number
  readonly leecherMaxRssMiB?: readonly number[]
  readonly verified?: boolean
  /** Per leecher: connections refused (libp2p's per-host inbound rate, all peers being 127.0.0.1) and dialled again, peers dropped. */
  readonly notes?: readonly (readonly string[])[]
  readonly error?: string
}

/** The comma-separated names in environment variable `name`, each one of `known`; all of `known` when unset. */
function chosen<T extends string>(name: string, known: readonly T[]): readonly T[] {
  const value = process.env[name]
  if (value === undefined) return known
  const names = value.split(',')
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n))
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`)
  return names as T[]
}

const log = (line: string): void => console.error(`  [${new Date().toISOString().slice(11, 19)}] ${line}`)
/** The middle value; of an even count (a failed round), the mean of the two middle ones. */
function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((x, y) => x - y)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const fixed = (value: number | undefined, digits = 1): string => (value === undefined ? 'n/a' : value.toFixed(digits))

const root = await mkdtemp(join(process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()), 'dscs-wtbench-'))
setTimeout(() => {
  console.error(`webtorrent bench: over its ${RUN_LIMIT_MS / 60_000} min limit, stopping`)
  rmSync(root, { recursive: true, force: true })
  process.exit(2)
}, RUN_LIMIT_MS).unref()

const report: Record<string, unknown> = {}
const summary: string[] = []
try {
  for (const scenario of RUN_SCENARIOS) {
    const file = join(root, `${scenario.key}.bin`)
    const sha256 = await writeContent(file, scenario.size, scenario.seed)
    log(`${scenario.title}: ${(scenario.size / MiB).toFixed(0)} MiB content written`)
    const rounds: Record<System, Round[]> = { dscs: [], webtorrent: [], libp2p: [] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const system of SYSTEMS) {
        log(`${scenario.title}, round ${round + 1}/${ROUNDS}: ${NAMES[system]}`)
        try {
          const result = await runSwarm({
            system,
            seeders: scenario.seeders,
            leechers: scenario.leechers,
            origin: { file },
            size: scenario.size,
            ...(round === 0 ? { sha256 } : {}),
            root,
            log
          })
          const sizeMiB = scenario.size / MiB
          const measured: Round = {
            round,
            aggregateMiBps: (sizeMiB * scenario.leechers) / Math.max(...result.seconds),
            meanPerLeecherMiBps: result.seconds.reduce((sum, s) => sum + sizeMiB / s, 0) / result.seconds.length,
            seconds: result.seconds,
            cpuMsPerMiB: (result.cpuSeconds * 1000) / (sizeMiB * scenario.leechers),
            leecherMaxRssMiB: result.maxRss.map((bytes) => bytes / MiB),
            verified: result.verified,
            notes: result.notes
          }
          rounds[system].push(measured)
          log(`${NAMES[system]}: ${fixed(measured.aggregateMiBps)} MiB/s (mean per leecher ${fixed(measured.meanPerLeecherMiBps)} MiB/s), ${fixed(measured.cpuMsPerMiB)} ms CPU per MiB delivered`)
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err)
          rounds[system].push({ round, error })
          log(`${NAMES[system]} FAILED: ${error}`)
        }
      }
    }
    await rm(file, { force: true })

    const done = (system: System): Round[] => rounds[system].filter((r) => r.error === undefined)
    type Field = 'aggregateMiBps' | 'meanPerLeecherMiBps' | 'cpuMsPerMiB'
    /** `field` of system `a` over that of `b`, round by round (the systems of a round ran back to back). */
    const ratios = (field: Field, a: System, b: System): number[] =>
      rounds[a].flatMap((x, i) => {
        const y = rounds[b][i]
        return x[field] === undefined || y?.[field] === undefined ? [] : [x[field] / y[field]]
      })
    const of = (field: Field, system: System): number | undefined => median(done(system).map((r) => r[field]!))
    const figure = (field: 'aggregateMiBps' | 'meanPerLeecherMiBps') => {
      const toWebtorrent = ratios(field, 'dscs', 'webtorrent')
      return {
        dscsMiBps: of(field, 'dscs'),
        webtorrentMiBps: of(field, 'webtorrent'),
        libp2pMiBps: of(field, 'libp2p'),
        ratio: median(toWebtorrent),
        ratioRounds: toWebtorrent,
        // The ceiling: bare libp2p streams, with no protocol, over WebTorrent; and how near DSCS comes to it.
        libp2pToWebtorrent: median(ratios(field, 'libp2p', 'webtorrent')),
        dscsToLibp2p: median(ratios(field, 'dscs', 'libp2p'))
      }
    }
    // CPU per MiB delivered: what each system costs the machine, which on a shared host varies less than its throughput.
    const cpuRounds = ratios('cpuMsPerMiB', 'dscs', 'webtorrent')
    const cpu = {
      dscsMsPerMiB: of('cpuMsPerMiB', 'dscs'),
      webtorrentMsPerMiB: of('cpuMsPerMiB', 'webtorrent'),
      libp2pMsPerMiB: of('cpuMsPerMiB', 'libp2p'),
      dscsToWebtorrent: median(cpuRounds),
      ratioRounds: cpuRounds
    }
    const aggregate = figure('aggregateMiBps')
    const perLeecher = figure('meanPerLeecherMiBps')
    const met = aggregate.ratio !== undefined && aggregate.ratio >= TARGET
    // The largest leecher of each round, median over rounds: memory beside throughput.
    const rss = (system: System): number | undefined => median(done(system).map((r) => Math.max(...r.leecherMaxRssMiB!)))
    const leecherPeakRssMiB = { dscs: rss('dscs'), webtorrent: rss('webtorrent'), libp2p: rss('libp2p') }
    report[scenario.key] = { ...scenario, sha256, aggregate, meanPerLeecher: perLeecher, cpuPerMiB: cpu, leecherPeakRssMiB, target: { atLeast: TARGET, met }, rounds }
    const size = `${(scenario.size / MiB).toFixed(0)} MiB${scenario.leechers > 1 ? ' each' : ''}`
    const failed = SYSTEMS.filter((s) => rounds[s].length > done(s).length).map((s) => `${NAMES[s]} ${rounds[s].length - done(s).length}`)
    summary.push(
      `${scenario.title}, ${size}: DSCS ${fixed(aggregate.dscsMiBps)} MiB/s, WebTorrent ${fixed(aggregate.webtorrentMiBps)} MiB/s; ` +
        `ratio ${fixed(aggregate.ratio, 2)}× (target ≥ ${TARGET}×: ${met ? 'met' : 'NOT met'})` +
        (scenario.leechers > 1
          ? `; mean per leecher DSCS ${fixed(perLeecher.dscsMiBps)} MiB/s, WebTorrent ${fixed(perLeecher.webtorrentMiBps)} MiB/s (${fixed(perLeecher.ratio, 2)}×)`
          : '') +
        `; bare libp2p streams (the ceiling of any protocol on libp2p) ${fixed(aggregate.libp2pMiBps)} MiB/s: ${fixed(aggregate.libp2pToWebtorrent, 2)}× WebTorrent, DSCS at ${fixed(aggregate.dscsToLibp2p, 2)}× of it` +
        `; CPU of all peers per MiB delivered DSCS ${fixed(cpu.dscsMsPerMiB, 0)} ms, WebTorrent ${fixed(cpu.webtorrentMsPerMiB, 0)} ms (${fixed(cpu.dscsToWebtorrent, 2)}×), bare libp2p ${fixed(cpu.libp2pMsPerMiB, 0)} ms` +
        `; leecher peak RSS DSCS ${fixed(leecherPeakRssMiB.dscs, 0)} MiB, WebTorrent ${fixed(leecherPeakRssMiB.webtorrent, 0)} MiB` +
        (failed.length > 0 ? `; failed rounds: ${failed.join(', ')}` : '')
    )
  }
} finally {
  await rm(root, { recursive: true, force: true })
}
for (const line of summary) console.log(line)

await writeResults('webtorrent', { files: root.startsWith('/dev/shm') ? 'tmpfs' : 'disk', quick: QUICK, rounds: ROUNDS, chunkSize: 256 * 1024, ...report })
