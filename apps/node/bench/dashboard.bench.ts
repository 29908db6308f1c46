// Issue 11's dashboard benchmark: does the dashboard stay responsive with 50 peers and 100 updates a second?
// A real `dscs node --state --api` process has 50 peers (in this process, each running the same shared state); the
// peers submit 100 ops a second between them. Debian's Chromium shows the node's dashboard, and the page measures
// (1) its frame intervals (requestAnimationFrame) and long tasks, idle first and then under load, and (2) each
// update's latency: from the peer's submit, and from the node's event reaching the page, to the first frame that
// shows it (or a newer one) in the state table.
//
// Run: pnpm --filter @dscs/node bench (after a build), or alone: node apps/node/bench/dashboard.bench.ts
// BENCH_PEERS (default 50), BENCH_RATE (updates/s, default 100), BENCH_SECONDS (under load, default 20).
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { setPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { percentile } from '@dscs/bench'
import { launchChromium } from '@dscs/browser-test'
import { StateGraph, frpState, jsonCodec, type FrpState } from '@dscs/frp-state'
import { createNode, type DscsNode } from '@dscs/net'
import { waitFor } from '@dscs/test-support'
import { start } from '../test/spawn.ts'

const PEERS = Number(process.env.BENCH_PEERS ?? 50)
const RATE = Number(process.env.BENCH_RATE ?? 100)
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 20)
const IDLE_SECONDS = 10
// Responsive, after RAIL: frames keep coming (p99 interval within 50 ms, the long-task bound) and the page shows an update
// within 100 ms of the node's event reaching it (the rest of the way is the network and the 50 peers in this process).
const FRAME_P99_TARGET_MS = 50
const UPDATE_P99_TARGET_MS = 100
const WAIT_BOUND_MS = 60_000
const LOAD_GENERATOR_NICENESS = 10
const RUN_BOUND_MS = 10 * 60_000

const log = (line: string): void => console.error(`  [${new Date().toISOString().slice(11, 19)}] ${line}`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))


/** CPU seconds (user + system) the process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}



/** The ops of the node's demo domain (apps/node's shared state), as its peers here send them. */
type DemoOp = { readonly type: 'add'; readonly counter: string; readonly by: number } | { readonly type: 'note'; readonly text: string }

/** A peer of the demo domain that only writes: the node checks every op against its own codec and trust. */
const demoPeerState = () => frpState<DemoOp>({ graph: new StateGraph<DemoOp>(), codec: jsonCodec((value): value is DemoOp => typeof value === 'object' && value !== null), domain: 'demo' })

interface PageFigures {
  readonly frames: number[]
  readonly longTasks: number[]
  /** [shown seq, Date.now() at the frame after the state table showed it] */
  readonly shown: [number, number][]
  /** [seq, Date.now() when the node's event of it reached the page] */
  readonly arrived: [number, number][]
}

// Runs in the page before its own script: frame intervals, long tasks, and when each note value first shows.
const INSTRUMENT = `(() => {
  const figures = { frames: [], longTasks: [], shown: [], arrived: [] };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (m) => {
        const seq = Number((/"value":"op (\\d+)"/.exec(m.data) || [])[1] ?? -1);
        if (seq >= 0) figures.arrived.push([seq, Date.now()]);
      });
    }
  };
  window.__bench = figures;
  let last = performance.now();
  const tick = (t) => { figures.frames.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => list.getEntries().forEach((e) => figures.longTasks.push(e.duration))).observe({ type: 'longtask' });
  let newest = -1;
  document.addEventListener('DOMContentLoaded', () => new MutationObserver(() => {
    const cell = document.querySelector('tr[data-value="demo/note"] .predicted');
    const seq = cell === null ? -1 : Number((/"op (\\d+)"/.exec(cell.textContent) || [])[1] ?? -1);
    if (seq > newest) { newest = seq; requestAnimationFrame(() => figures.shown.push([seq, Date.now()])); }
  }).observe(document.getElementById('state'), { childList: true, subtree: true, characterData: true }));
})()`

async function main(): Promise<void> {
  const runBound = setTimeout(() => {
    console.error('dashboard bench: over its time bound, giving up')
    process.exit(2)
  }, RUN_BOUND_MS)
  const cleanups: (() => Promise<unknown>)[] = []
  try {
    const data = await mkdtemp(join(tmpdir(), 'dscs-dashboard-bench-'))
    cleanups.push(() => rm(data, { recursive: true, force: true }))
    const node = start(['node', '--data', data, '--transports', 'tcp', '--state', '--trust', 'none', '--api', '0', '--json'], RUN_BOUND_MS)
    cleanups.push(async () => {
      node.child.kill('SIGTERM')
      await node.exit
    })
    const ready = await node.next('ready')
    const { url } = (await node.next('api')) as unknown as { url: string }
    const address = (ready.multiaddrs as string[])[0]!
    log(`node ${String(ready.peerId)} serves its dashboard at ${url}`)

    log(`starting ${PEERS} peers, each running the shared state, and joining them to the node`)
    const peers: DscsNode[] = []
    for (let i = 0; i < PEERS; i++) {
      const peer = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false, services: { state: demoPeerState() } })
      cleanups.push(() => peer.stop())
      peers.push(peer)
      // libp2p takes only a few inbound connections a second from one address, and all of these peers are on 127.0.0.1.
      await waitFor(() => peer.dial(address).then(() => true, () => false), `peer ${i} to join the node`, WAIT_BOUND_MS)
    }
    const nodeId = String(ready.peerId)
    await waitFor(() => peers.every((p) => p.net.topics().every((topic) => p.net.topicPeers(topic).includes(nodeId))), 'every peer to see the node on the state topic', WAIT_BOUND_MS)
    const api = new URL(url)
    await waitFor(async () => ((await (await fetch(new URL('/api/peers', api))).json()) as unknown[]).length >= PEERS, `the node to count ${PEERS} peers`, WAIT_BOUND_MS)
    const states = peers.map((p) => p.libp2p.services.state as FrpState<DemoOp>)
    // One counter per peer, so the state table has a row per peer as well as the note.
    await Promise.all(states.map((state, i) => state.submit({ type: 'add', counter: `peer${String(i).padStart(2, '0')}`, by: 1 })))

    const browser = await launchChromium()
    cleanups.push(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    const pageErrors: string[] = []
    page.on('pageerror', (err) => pageErrors.push(err.message))
    await page.addInitScript(INSTRUMENT)
    await page.goto(url)
    await page.locator('circle.peer').nth(PEERS - 1).waitFor({ timeout: WAIT_BOUND_MS })
    // The load generator yields the CPU to what is measured (the node and the browser, started before this): on two cores
    // the 50 peers would otherwise starve the page they load.
    setPriority(process.pid, LOAD_GENERATOR_NICENESS)
    log(`the dashboard shows ${PEERS} peers; measuring it idle for ${IDLE_SECONDS} s`)
    const reset = () => page.evaluate(() => {
      const figures = (window as unknown as { __bench: PageFigures }).__bench
      figures.frames.length = 0
      figures.longTasks.length = 0
      figures.shown.length = 0
      figures.arrived.length = 0
    })
    const collect = () => page.evaluate(() => (window as unknown as { __bench: PageFigures }).__bench)
    await reset()
    const idleCpu = cpuSeconds(node.child.pid!)
    await sleep(IDLE_SECONDS * 1000)
    const idle = await collect()
    const nodeIdleCpu = (cpuSeconds(node.child.pid!) - idleCpu) / IDLE_SECONDS

    const total = RATE * LOAD_SECONDS
    log(`under load: ${total} updates at ${RATE}/s from ${PEERS} peers, round robin`)
    await reset()
    const submitted: number[] = []
    const published: number[] = []
    const loadCpu = cpuSeconds(node.child.pid!)
    const peersCpu = cpuSeconds(process.pid)
    const startedAt = Date.now()
    let failures = 0
    for (let seq = 0; seq < total; seq++) {
      const due = startedAt + (seq * 1000) / RATE
      if (due > Date.now()) await sleep(due - Date.now())
      submitted[seq] = Date.now()
      states[seq % PEERS]!.submit({ type: 'note', text: `op ${seq}` }).then(() => published.push(Date.now() - submitted[seq]!), () => failures++)
    }
    const sentFor = (Date.now() - startedAt) / 1000
    const nodeLoadCpu = (cpuSeconds(node.child.pid!) - loadCpu) / sentFor
    const peersLoadCpu = (cpuSeconds(process.pid) - peersCpu) / sentFor
    await sleep(2000) // the last updates arrive
    const load = await collect()
    await mkdir(new URL('../test-artifacts/', import.meta.url), { recursive: true })
    await page.screenshot({ path: new URL('../test-artifacts/dashboard-under-load.png', import.meta.url).pathname, fullPage: true })

    // An update shows in the first frame that shows it or any newer one.
    const latencies: number[] = []
    let unseen = 0
    for (let seq = 0; seq < total; seq++) {
      const shown = load.shown.find(([s, at]) => s >= seq && at >= submitted[seq]!)
      if (shown === undefined) unseen++
      else latencies.push(shown[1] - submitted[seq]!)
    }
    // The page's own part: from the node's event reaching the page to the frame that shows the value.
    const arrivedAt = new Map(load.arrived)
    const arrival = load.arrived.map(([seq, at]) => at - submitted[seq]!)
    const drawing = load.shown.filter(([seq]) => arrivedAt.has(seq)).map(([seq, at]) => at - arrivedAt.get(seq)!)
    const figures = {
      peers: PEERS,
      rate: RATE,
      sentPerSecond: total / sentFor,
      nodeCpu: { idle: nodeIdleCpu, load: nodeLoadCpu },
      peersCpu: peersLoadCpu,
      idle: { frameP50Ms: percentile(idle.frames, 50), frameP99Ms: percentile(idle.frames, 99), frameMaxMs: Math.max(...idle.frames), longTasks: idle.longTasks.length },
      load: { frameP50Ms: percentile(load.frames, 50), frameP99Ms: percentile(load.frames, 99), frameMaxMs: Math.max(...load.frames), longTasks: load.longTasks.length, longTaskMaxMs: Math.max(0, ...load.longTasks) },
      arrival: { p50Ms: percentile(arrival, 50), p99Ms: percentile(arrival, 99) },
      drawing: { p50Ms: percentile(drawing, 50), p99Ms: percentile(drawing, 99), maxMs: Math.max(...drawing) },
      update: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies), shown: latencies.length, unseen, submitFailures: failures },
      pageErrors
    }
    const ms = (n: number) => `${n.toFixed(1)} ms`
    console.log(`dashboard of a node with ${PEERS} peers, ${RATE} updates/s for ${LOAD_SECONDS} s (sent at ${figures.sentPerSecond.toFixed(1)}/s)`)
    console.log(`  the node's CPU use: ${(nodeIdleCpu * 100).toFixed(0)}% of a core idle, ${(nodeLoadCpu * 100).toFixed(0)}% under load; the ${PEERS} peers' process ${(peersLoadCpu * 100).toFixed(0)}% under load`)
    console.log(`  frame interval idle:        p50 ${ms(figures.idle.frameP50Ms)}, p99 ${ms(figures.idle.frameP99Ms)}, max ${ms(figures.idle.frameMaxMs)}, ${figures.idle.longTasks} long tasks`)
    console.log(`  frame interval under load:  p50 ${ms(figures.load.frameP50Ms)}, p99 ${ms(figures.load.frameP99Ms)}, max ${ms(figures.load.frameMaxMs)}, ${figures.load.longTasks} long tasks (longest ${ms(figures.load.longTaskMaxMs)})`)
    console.log(`  under load / idle (frame p99): ${(figures.load.frameP99Ms / figures.idle.frameP99Ms).toFixed(2)}×`)
    console.log(`  update, submit to published by the peer: p50 ${ms(percentile(published, 50))}, p99 ${ms(percentile(published, 99))}`)
    console.log(`  the page's part, event in to value shown: p50 ${ms(figures.drawing.p50Ms)}, p99 ${ms(figures.drawing.p99Ms)}, max ${ms(figures.drawing.maxMs)}`)
    console.log(`  update, submit to the node's event in the page: p50 ${ms(figures.arrival.p50Ms)}, p99 ${ms(figures.arrival.p99Ms)}`)
    console.log(`  update, submit to shown:    p50 ${ms(figures.update.p50Ms)}, p99 ${ms(figures.update.p99Ms)}, max ${ms(figures.update.maxMs)} (${figures.update.shown} shown, ${unseen} never shown, ${failures} submits failed)`)
    console.log(`  frame p99 ≤ ${FRAME_P99_TARGET_MS} ms: ${figures.load.frameP99Ms <= FRAME_P99_TARGET_MS ? 'met' : 'NOT MET'}; the page's part p99 ≤ ${UPDATE_P99_TARGET_MS} ms: ${figures.drawing.p99Ms <= UPDATE_P99_TARGET_MS ? 'met' : 'NOT MET'}`)
    if (pageErrors.length > 0) console.log(`  page errors: ${pageErrors.join('; ')}`)
    await mkdir(new URL('results/', import.meta.url), { recursive: true })
    await writeFile(new URL('results/dashboard.json', import.meta.url), `${JSON.stringify(figures, null, 2)}\n`)
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
    clearTimeout(runBound)
  }
}

await main()
