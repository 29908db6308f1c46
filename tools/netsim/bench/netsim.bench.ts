// Simulation throughput and memory: 100, 1,000 and 10,000 peers on a random
// degree-8 topology with jittery, slightly lossy links, exchanging 100,000
// direct messages (64 B, to random neighbours, spread over 10 s of virtual
// time) plus 20 gossip messages flooded to every peer. Target: the 1,000-peer
// run simulates in under 10 s of wall time. Each configuration runs in its own
// Node process, so heap and peak RSS figures are its own.
// Run: pnpm --filter @dscs/netsim bench
import { Simulation, type SimPeer, type Timer } from '@dscs/netsim'
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, platform } from 'node:os'
import { fileURLToPath } from 'node:url'

const MESSAGES = 100_000
const GOSSIP = 20
const VIRTUAL_MS = 10_000
const DEGREE = 8
const PROTOCOL = '/dscs/bench/1.0.0'
const TOPIC = 'bench'

interface Config {
  readonly name: string
  readonly peers: number
  readonly settle: 'always' | 'promises'
}

const CONFIGS: readonly Config[] = [
  { name: '100 peers', peers: 100, settle: 'always' },
  { name: '1,000 peers', peers: 1_000, settle: 'always' },
  { name: '10,000 peers', peers: 10_000, settle: 'always' },
  { name: "1,000 peers, settle: 'promises'", peers: 1_000, settle: 'promises' }
]

interface Figures {
  readonly name: string
  readonly peers: number
  readonly settle: string
  readonly directMessages: number
  readonly directDelivered: number
  readonly gossipPublished: number
  readonly gossipDelivered: number
  readonly topicTransmissions: number
  readonly events: number
  readonly virtualMs: number
  readonly setupMs: number
  readonly wallMs: number
  readonly eventsPerSecond: number
  readonly peakHeapMB: number
  readonly heapPerPeerKB: number
  readonly maxRssMB: number
  readonly traceHash: string
}

/** Sends its quota of direct messages to random neighbours, one per period; counts what it receives. */
class BenchApp {
  received = 0
  gossip = 0
  #sent = 0

  constructor(peer: SimPeer, quota: number, payload: Uint8Array) {
    peer.net.handle(PROTOCOL, () => {
      this.received++
    })
    peer.net.subscribe(TOPIC, () => {
      this.gossip++
      return 'accept'
    })
    const period = (VIRTUAL_MS / quota) * (0.9 + 0.2 * peer.random.float())
    const timer: Timer = peer.setInterval(period, () => {
      const neighbours = peer.net.peers()
      if (neighbours.length > 0) peer.net.send(neighbours[peer.random.int(neighbours.length)]!, PROTOCOL, payload).catch(() => {})
      if (++this.#sent >= quota) timer.cancel()
    })
  }
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed
}

async function measure(config: Config): Promise<Figures> {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const baseline = heapUsed()
  const started = performance.now()
  const sim = new Simulation({ seed: 1, settle: config.settle, link: { latencyMs: 20, jitterMs: 10, loss: 0.01, duplicate: 0.005, reorder: 0.01 } })
  const quota = MESSAGES / config.peers
  const payload = new Uint8Array(64).fill(7)
  const peers = sim.addPeers(config.peers, (peer) => new BenchApp(peer, quota, payload), { connect: { degree: DEGREE } })
  for (let g = 0; g < GOSSIP; g++) {
    sim.at(250 + g * 450, () => {
      const from = peers[(g * 7919) % peers.length]!
      void from.peer!.net.publish(TOPIC, new Uint8Array(128).fill(g))
    })
  }
  let peak = heapUsed()
  for (let t = 0; t <= VIRTUAL_MS + 500; t += 100) sim.at(t, () => (peak = Math.max(peak, heapUsed())))
  const setupMs = performance.now() - started

  const runStarted = performance.now()
  const result = await sim.run({ maxEvents: 20_000_000 })
  const wallMs = performance.now() - runStarted
  peak = Math.max(peak, heapUsed())

  const stats = sim.stats
  return {
    name: config.name,
    peers: config.peers,
    settle: config.settle,
    directMessages: stats.sent,
    directDelivered: stats.delivered,
    gossipPublished: stats.published,
    gossipDelivered: stats.topicDelivered,
    topicTransmissions: stats.topicSent,
    events: result.events,
    virtualMs: Math.round(result.now),
    setupMs: Math.round(setupMs),
    wallMs: Math.round(wallMs),
    eventsPerSecond: Math.round(result.events / (wallMs / 1000)),
    peakHeapMB: round((peak - baseline) / 2 ** 20),
    heapPerPeerKB: round((peak - baseline) / 1024 / config.peers),
    maxRssMB: round(process.resourceUsage().maxRSS / 1024),
    traceHash: sim.traceHash().slice(0, 16)
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}

const child = process.argv.indexOf('--child')
if (child >= 0) {
  const config = CONFIGS[Number(process.argv[child + 1])]!
  process.stdout.write(`${JSON.stringify(await measure(config))}\n`)
} else {
  console.log(`@dscs/netsim · netsim: ${MESSAGES.toLocaleString('en-US')} direct messages + ${GOSSIP} gossip floods, degree-${DEGREE} random topology, each configuration in its own process`)
  const results: Figures[] = []
  for (let index = 0; index < CONFIGS.length; index++) {
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(index)], { encoding: 'utf8', maxBuffer: 1 << 20 })
    const figures = JSON.parse(out.trim().split('\n').at(-1)!) as Figures
    results.push(figures)
    console.log(
      `  ${figures.name.padEnd(34)} ${`${(figures.wallMs / 1000).toFixed(2)} s`.padStart(8)} wall · ${figures.events.toLocaleString('en-US').padStart(10)} events · ${figures.eventsPerSecond.toLocaleString('en-US').padStart(9)} events/s · peak heap ${`${figures.peakHeapMB} MB`.padStart(9)} (${figures.heapPerPeerKB} KB/peer) · max RSS ${figures.maxRssMB} MB`
    )
    console.log(
      `  ${''.padEnd(34)} direct ${figures.directDelivered.toLocaleString('en-US')}/${figures.directMessages.toLocaleString('en-US')} delivered · gossip ${figures.gossipDelivered.toLocaleString('en-US')} deliveries over ${figures.topicTransmissions.toLocaleString('en-US')} transmissions · set-up ${figures.setupMs} ms`
    )
  }
  const target = results.find((r) => r.peers === 1_000 && r.settle === 'always')!
  const met = target.wallMs < 10_000
  console.log(`  1,000 peers × 100,000 messages: ${(target.wallMs / 1000).toFixed(2)} s (target < 10 s) ${met ? 'met' : 'NOT MET'}, ${(10_000 / target.wallMs).toFixed(1)}× headroom`)
  const dir = new URL('./results/', import.meta.url)
  await mkdir(dir, { recursive: true })
  const file = new URL('netsim.json', dir)
  const report = {
    package: '@dscs/netsim',
    benchmark: 'netsim',
    date: new Date().toISOString(),
    machine: { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    workload: { directMessages: MESSAGES, gossipMessages: GOSSIP, virtualMs: VIRTUAL_MS, degree: DEGREE },
    results,
    targets: [{ name: '1,000 peers × 100,000 messages wall time', subject: target.name, valueMs: target.wallMs, targetMs: 10_000, met }]
  }
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`  wrote ${file.pathname}`)
}
