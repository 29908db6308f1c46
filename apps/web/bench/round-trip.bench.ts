// Browser-to-browser round trip of a state update (issue 11): a move submitted on one page, applied on the other,
// answered there with a move, and that move applied back on the first page (each op signed, verified and run through
// frp-state on arrival). Two pairs of pages in one Chromium, measured in interleaved rounds whose order alternates:
// one pair over a direct WebRTC connection, the other connected only to the relay node, which forwards every op over
// gossip (WebSockets both ways). Relay node, page server and Chromium run in a network namespace with only loopback.
//
// Run: pnpm --filter @dscs/web bench (after a build; needs root for unshare -n). BENCH_ROUNDS=n (default 10) of
// BENCH_TRIPS=m round trips per pair (default 20).
import { writeFile, mkdir } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { awaitTopicMesh, connectDirect, inRoom, openPlayers, startIsolatedPlayground } from '@dscs/web/node'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const TRIPS = Number(process.env.BENCH_TRIPS ?? 20)
const WAIT_BOUND_MS = 30_000

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

async function trips(page: Page, count: number): Promise<number[]> {
  return await page.evaluate(async (n) => {
    const samples: number[] = []
    for (let i = 0; i < n; i++) samples.push(await window.playground.roundTrip())
    return samples
  }, count)
}

const playground = await startIsolatedPlayground(['--forward-room', 'relayed'])
try {
  const players = await openPlayers([inRoom(playground.url, 'direct'), inRoom(playground.url, 'direct'), inRoom(playground.url, 'relayed'), inRoom(playground.url, 'relayed')], playground.chromium)
  try {
    const [directA, directB, relayedA, relayedB] = players.pages as [Page, Page, Page, Page]
    await connectDirect(directA, directB)
    await awaitTopicMesh([directA, directB])
    // The relayed pair knows only the relay: each must see it in the room's topic, and never the other page.
    await Promise.all([relayedA, relayedB].map((page) => page.waitForFunction(() => window.playground.topicPeers().length > 0, undefined, { timeout: WAIT_BOUND_MS })))
    const other = await relayedB.evaluate(() => window.playground.peerId)
    if ((await relayedA.evaluate(() => window.playground.connections())).some((c) => c.peer === other)) throw new Error('the relayed pair is connected directly')
    await directB.evaluate(() => window.playground.echo(true))
    await relayedB.evaluate(() => window.playground.echo(true))
    await trips(directA, 3)
    await trips(relayedA, 3)

    const samples = { direct: [] as number[], relayed: [] as number[] }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which path goes first, so load that comes and goes hits both alike.
      const order = round % 2 === 0 ? (['direct', 'relayed'] as const) : (['relayed', 'direct'] as const)
      for (const path of order) samples[path].push(...(await trips(path === 'direct' ? directA : relayedA, TRIPS)))
    }
    const stats = Object.fromEntries(
      Object.entries(samples).map(([path, values]) => {
        const sorted = [...values].sort((a, b) => a - b)
        return [path, { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) }]
      })
    ) as Record<'direct' | 'relayed', { n: number; p50: number; p99: number }>
    console.log(`round trip of a move, browser to browser (${ROUNDS} rounds × ${TRIPS} per path)`)
    for (const path of ['direct', 'relayed'] as const) {
      console.log(`  ${path === 'direct' ? 'direct WebRTC       ' : 'relayed through node'}  p50 ${stats[path].p50.toFixed(2)} ms  p99 ${stats[path].p99.toFixed(2)} ms  (n=${stats[path].n})`)
    }
    const ratio = { p50: stats.relayed.p50 / stats.direct.p50, p99: stats.relayed.p99 / stats.direct.p99 }
    console.log(`  relayed / direct: p50 ×${ratio.p50.toFixed(2)}, p99 ×${ratio.p99.toFixed(2)} (above 1: direct WebRTC is faster)`)
    if (players.pageErrors.length > 0) throw new Error(`page errors: ${players.pageErrors.map(String).join('; ')}`)
    const results = new URL('./results/', import.meta.url)
    await mkdir(results, { recursive: true })
    await writeFile(new URL('round-trip.json', results), JSON.stringify({ rounds: ROUNDS, trips: TRIPS, ...stats, ratio }, null, 2))
  } finally {
    await players.close()
  }
} finally {
  await playground.stop()
}
