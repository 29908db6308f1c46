// Capacity-weighted choice in a netsim chunk download: a seeder lying about its capacity is found out and loses its
// share of the work; measured capacity steers requests away from slow seeders.
import { describe, expect, it } from 'vitest'
import { download } from './chunk-swarm.ts'

const MB = 1e6
const BASE = { seed: 4, seeders: 8, bandwidth: 2 * MB, chunks: 400, chunkBytes: 64 * 1024, window: 16, perSeeder: 4 }

describe('capacity-weighted peer choice', () => {
  it('finds out a seeder that lies about its capacity, and down-weights it', async () => {
    // Seeder 1 is slow but claims 50 MB/s; the others truthfully claim their 2 MB/s.
    const result = await download({ ...BASE, slow: new Set([1]), strategy: 'routing', advertise: (i) => (i === 1 ? 50 * MB : 2 * MB) })
    const liar = result.nodes[1]!.id
    const honest = result.nodes[2]!.id
    const table = result.downloader.table
    expect(table.capacityRecord(liar)?.uploadBytesPerSecond).toBe(50 * MB)
    // Its first answer showed what it delivers: the claim now counts for at most 4× that, halved until confirmed,
    // against the honest seeders' measured 2 MB/s: it lost its weight, and its score.
    expect(table.capacity(liar)!).toBeLessThan(table.capacity(honest)! / 4)
    expect(table.score(liar).score).toBeLessThan(table.score(honest).score)
    // Its lie bought it one request while it was unmeasured; then it got next to nothing (a fair share is 1/8).
    const share = result.servedBy.filter((peer) => peer === liar).length / result.servedBy.length
    console.log(`liar's share of requests: ${(100 * share).toFixed(1)}%, capacity counted ${(table.capacity(liar)! / MB).toFixed(2)} MB/s against ${(table.capacity(honest)! / MB).toFixed(2)} MB/s for an honest seeder`)
    expect(share).toBeLessThan(1 / 32)
  }, 60_000)

  it('downloads faster than random choice when a quarter of the seeders are slow', async () => {
    const slow = new Set([1, 4])
    const routed = await download({ ...BASE, slow, strategy: 'routing' })
    const random = await download({ ...BASE, slow, strategy: 'random' })
    console.log(`download of ${BASE.chunks} chunks: routed ${routed.downloadMs.toFixed(0)} ms, random ${random.downloadMs.toFixed(0)} ms`)
    expect(routed.downloadMs).toBeLessThan(random.downloadMs)
    // Each slow seeder served well under a fair share (1/8).
    for (const index of slow) expect(routed.servedBy.filter((peer) => peer === routed.nodes[index]!.id).length).toBeLessThan(BASE.chunks / 16)
  }, 60_000)
})
