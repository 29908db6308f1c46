// One timed download in a swarm of peer processes: seeders store and serve the content, then every leecher
// connects to its peers and downloads it at once; the clock runs from the start signal to each leecher's last byte.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PeerProcess, type System } from './peers.ts'
import type { ContentOrigin, MemorySample } from './protocol.ts'

export const MiB = 1024 * 1024

export interface SwarmRun {
  readonly system: System
  readonly seeders: number
  readonly leechers: number
  readonly origin: ContentOrigin
  /** Bytes of the content. */
  readonly size: number
  /** SHA-256 (hex) of the content: when given, every leecher's copy is read back and checked against it. */
  readonly sha256?: string
  /** A temporary directory is made in it for the peers' files, and removed at the end. */
  readonly root: string
  /** Told what happens, for progress on stderr. */
  readonly log: (line: string) => void
  /** Called as a leecher starts downloading; what it returns is called when it is done (or failed). */
  readonly watch?: (leecher: PeerProcess) => () => void
}

export interface SwarmResult {
  /** Seconds from the start signal to each leecher's completion, in leecher order. */
  readonly seconds: readonly number[]
  /** CPU seconds (user and system) used by all the peers, seeders and leechers, from the start signal to the last completion. */
  readonly cpuSeconds: number
  /** Each leecher's peak resident set at completion, bytes. */
  readonly maxRss: readonly number[]
  /** Each leecher's memory sampled at its largest during the download. */
  readonly peaks: readonly MemorySample[]
  /** Each leecher's notes on what bears on the figure: connections dialled again, peers dropped. */
  readonly notes: readonly (readonly string[])[]
  /** Whether the leechers' copies were read back and found equal to the content. */
  readonly verified: boolean
}

/** A generous bound on one phase handling `bytes`: a minute, plus 4 MiB/s. */
export const timeLimit = (bytes: number): number => 60_000 + (bytes / (4 * MiB)) * 1000

export async function runSwarm(run: SwarmRun): Promise<SwarmResult> {
  const directory = await mkdtemp(join(run.root, `${run.system}-`))
  const peers: PeerProcess[] = []
  const spawn = async (name: string): Promise<PeerProcess> => {
    await mkdir(join(directory, name))
    const peer = await PeerProcess.spawn(run.system, join(directory, name), 60_000)
    peers.push(peer)
    return peer
  }
  try {
    const seeders = await all(Array.from({ length: run.seeders }, (_, i) => spawn(`seeder-${i}`)))
    const leechers = await all(Array.from({ length: run.leechers }, (_, i) => spawn(`leecher-${i}`)))
    run.log(`${run.system}: ${peers.length} peer processes up; seeding ${(run.size / MiB).toFixed(0)} MiB`)
    const seeded = await Promise.all(seeders.map((seeder) => seeder.ask({ type: 'seed', origin: run.origin }, 'seeded', timeLimit(run.size))))
    if (new Set(seeded.map((s) => s.key)).size !== 1) throw new Error(`${run.system}: the seeders disagree on the content: ${seeded.map((s) => s.key).join(', ')}`)
    await Promise.all(leechers.map((leecher) => leecher.ask({ type: 'add', id: seeded[0]!.id }, 'added', 60_000)))

    const cpuBefore = await cpuSeconds(peers)
    run.log(`${run.system}: ${run.seeders} seeder(s) → ${run.leechers} leecher(s), downloading`)
    const start = performance.now()
    const fetched = await Promise.all(
      leechers.map(async (leecher, i) => {
        // Every leecher connects to the seeders and to the leechers before it: a full mesh, each pair dialled once.
        const addresses = [...seeders, ...leechers.slice(0, i)].map((peer) => peer.address)
        const unwatch = run.watch?.(leecher)
        try {
          const reply = await leecher.ask({ type: 'fetch', peers: addresses, seeders: run.seeders, leechers: run.leechers }, 'fetched', timeLimit(run.size * run.leechers))
          const seconds = (performance.now() - start) / 1000
          run.log(`${run.system}: leecher ${i + 1}/${run.leechers} done in ${seconds.toFixed(2)} s${reply.notes.length > 0 ? ` (${reply.notes.join('; ')})` : ''}`)
          return { ...reply, seconds }
        } finally {
          unwatch?.()
        }
      })
    )

    // Every peer's CPU over the download (a leecher done early serves the others until the last is done).
    const cpuAfter = await cpuSeconds(peers)
    const cpu = cpuAfter.reduce((sum, seconds, i) => sum + seconds - cpuBefore[i]!, 0)
    run.log(`${run.system}: CPU s per peer (seeders, then leechers): ${cpuAfter.map((s, i) => (s - cpuBefore[i]!).toFixed(2)).join(' ')}`)

    if (run.sha256 !== undefined) {
      const hashes = await Promise.all(leechers.map((leecher) => leecher.ask({ type: 'hash' }, 'hashed', timeLimit(run.size))))
      const wrong = hashes.filter((h) => h.sha256 !== run.sha256).length
      if (wrong > 0) throw new Error(`${run.system}: ${wrong} of ${hashes.length} leechers hold content whose SHA-256 differs`)
      run.log(`${run.system}: every leecher's copy has the content's SHA-256`)
    }
    return { seconds: fetched.map((f) => f.seconds), cpuSeconds: cpu, maxRss: fetched.map((f) => f.maxRss), peaks: fetched.map((f) => f.peak), notes: fetched.map((f) => f.notes), verified: run.sha256 !== undefined }
  } finally {
    await Promise.all(peers.map((peer) => peer.stop(10_000)))
    await rm(directory, { recursive: true, force: true })
  }
}

/** The CPU seconds each peer has used so far, in order. */
async function cpuSeconds(peers: readonly PeerProcess[]): Promise<number[]> {
  const replies = await Promise.all(peers.map((peer) => peer.ask({ type: 'cpu' }, 'cpu', 60_000)))
  return replies.map((reply) => reply.seconds)
}

/** Like Promise.all, but settles only once every promise has: no peer still starting when the run cleans up. */
async function all<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises)
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value)
}
