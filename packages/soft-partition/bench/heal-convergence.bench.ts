// Convergence after a partition heals, on real libp2p on loopback, as the issue asks: BENCH_NODES (4) nodes in this
// process, each with soft-partition and frp-state, split into two components by hanging up the connections between
// them and denying new ones; each side writes BENCH_OPS_PER_SIDE (5,000) ops; then the connections are allowed and
// dialled again, and the time until every node holds the identical state of all 10,000 ops is measured. The
// reference, in the same run: the same verification and application of the other side's ops by every node, done
// in memory on fresh cores (the work the heal cannot avoid in this one process); the ratio is printed beside it.
// Node runs this file as it is (type stripping), so it imports the built packages: build first.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { identityFromSeed } from '@dscs/identity'
import { createNode, type DscsNode } from '@dscs/net'
import { FrpStateCore, StateGraph, frpState, jsonCodec, type FrpState, type Op } from '@dscs/frp-state'
import { Healer, peerSyncHealLayer, softPartition, type SoftPartition } from '@dscs/soft-partition'
import { waitFor } from '@dscs/test-support'

const NODES = Number(process.env.BENCH_NODES ?? 4)
const OPS_PER_SIDE = Number(process.env.BENCH_OPS_PER_SIDE ?? 5_000)
const KEYS = 64
const PERIOD = 500
const SYNC_INTERVAL = 2_000
const HORIZON = 3_600_000
// Bounds on every wait: a stuck run fails instead of hanging.
const SIDE_TIMEOUT_MS = 600_000
const HEAL_TIMEOUT_MS = 600_000

interface Note {
  readonly key: string
  readonly value: number
}
const isNote = (v: unknown): v is Note => typeof (v as Note)?.key === 'string' && Number.isSafeInteger((v as Note).value)

/** A graph whose state names the set of ops it holds: how many, and a sum per key. */
function noteGraph() {
  const graph = new StateGraph<Note>()
  const count = graph.reducer<number>({ name: 'count', key: () => 'all', reduce: (n) => n + 1, initial: 0 })
  const sums = graph.reducer<number>({ name: 'sums', key: (op) => op.payload.key, reduce: (n, op) => n + op.payload.value, initial: 0 })
  return { graph, count, sums }
}

interface BenchNode {
  readonly node: DscsNode
  readonly state: FrpState<Note>
  readonly swim: SoftPartition
  readonly side: number
  readonly digest: () => string
  readonly count: () => number
}

// A stream or dial that times out on a loaded machine is a lost message, which the protocols recover from: counted, not fatal.
let lostToTimeouts = 0
process.on('unhandledRejection', (reason) => {
  if ((reason as { name?: string } | undefined)?.name !== 'TimeoutError') throw reason
  lostToTimeouts += 1
})

let split = false
const sideOf = new Map<string, number>()

async function startNode(index: number): Promise<BenchNode> {
  const side = index < Math.ceil(NODES / 2) ? 0 : 1
  const { graph, count, sums } = noteGraph()
  const node = await createNode({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    relayServer: false,
    // While split, the other side's peers are refused in both directions: the partition.
    allowPeer: (peer) => !split || sideOf.get(peer) === side,
    services: {
      swim: softPartition({ period: PERIOD, probeTimeout: PERIOD / 2 }),
      state: frpState<Note>({ graph, codec: jsonCodec(isNote), horizon: HORIZON, syncInterval: SYNC_INTERVAL, store: false })
    }
  })
  sideOf.set(node.peerId, side)
  const state = node.libp2p.services.state as FrpState<Note>
  const swim = node.libp2p.services.swim as SoftPartition
  // The heal as an application wires it: SWIM's partition events drive the Healer, frp-state reconciles with each rejoined member.
  const healer = new Healer()
  healer.register(peerSyncHealLayer('frp-state', (peer) => state.sync(peer)))
  swim.onEvent((event) => {
    if (event.type === 'partition') void healer.onPartition(event)
  })
  const digest = () => [graph.get('confirmed', count, 'all'), ...Array.from({ length: KEYS }, (_, k) => graph.get('confirmed', sums, `k${k}`))].join(',')
  return { node, state, swim, side, digest, count: () => graph.get('confirmed', count, 'all') }
}

const DIAL_ATTEMPTS = 5

// A handshake can time out on a loaded machine: each dial is tried again, a bounded number of times.
async function dial(a: BenchNode, b: BenchNode): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await a.node.dial(b.node.multiaddrs()[0]!)
    } catch (err) {
      if (attempt >= DIAL_ATTEMPTS) throw err
      lostToTimeouts += 1
    }
  }
}

async function connectAll(nodes: readonly BenchNode[], pairs: (a: BenchNode, b: BenchNode) => boolean): Promise<void> {
  for (const [i, a] of nodes.entries()) for (const b of nodes.slice(i + 1)) if (pairs(a, b)) await dial(a, b)
}

const wholeComponent = (n: BenchNode) => n.swim.partition().component.length === NODES

async function main(): Promise<void> {
  const nodes: BenchNode[] = []
  for (let i = 0; i < NODES; i++) nodes.push(await startNode(i))
  try {
    await connectAll(nodes, () => true)
    await waitFor(() => nodes.every(wholeComponent), 'every node to see every member', SIDE_TIMEOUT_MS)

    split = true
    for (const a of nodes) for (const connection of a.node.libp2p.getConnections()) if (sideOf.get(connection.remotePeer.toString()) !== a.side) await connection.close()
    await waitFor(() => nodes.every((n) => n.node.libp2p.getConnections().every((c) => sideOf.get(c.remotePeer.toString()) === n.side)), 'the split', SIDE_TIMEOUT_MS)

    // Each side writes its ops, spread over its nodes; every op is signed by its writer.
    const written: Op<Note>[][] = [[], []]
    const writeStarted = performance.now()
    for (let i = 0; i < OPS_PER_SIDE; i++) {
      for (const side of [0, 1]) {
        const writers = nodes.filter((n) => n.side === side)
        const writer = writers[i % writers.length]!
        written[side]!.push(await writer.state.submit({ key: `k${(i * 7 + side) % KEYS}`, value: side * OPS_PER_SIDE + i }))
      }
      // Let gossip and the SWIM periods run between bursts.
      if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 0))
    }
    const writeMs = performance.now() - writeStarted
    await waitFor(() => nodes.every((n) => n.count() === OPS_PER_SIDE), 'each side to hold its own ops', SIDE_TIMEOUT_MS)
    const sideMs = performance.now() - writeStarted
    const digests = [0, 1].map((side) => new Set(nodes.filter((n) => n.side === side).map((n) => n.digest())))
    if (digests.some((d) => d.size !== 1) || [...digests[0]!][0] === [...digests[1]!][0]) throw new Error('the sides did not diverge as expected')

    // Heal: the other side allowed again and dialled.
    split = false
    const healStarted = performance.now()
    await connectAll(nodes, (a, b) => a.side !== b.side)
    let swimMs = Infinity
    await waitFor(
      () => {
        if (swimMs === Infinity && nodes.every(wholeComponent)) swimMs = performance.now() - healStarted
        return nodes.every((n) => n.count() === 2 * OPS_PER_SIDE) && new Set(nodes.map((n) => n.digest())).size === 1
      },
      'every node to hold the identical state',
      HEAL_TIMEOUT_MS
    )
    const convergeMs = performance.now() - healStarted
    if (swimMs === Infinity) await waitFor(() => nodes.every(wholeComponent), 'SWIM to see one component', HEAL_TIMEOUT_MS).then(() => (swimMs = performance.now() - healStarted))

    // Reference: every node's share of the heal's compute, in memory — verify and apply the other side's ops.
    const referenceStarted = performance.now()
    for (const n of nodes) {
      const fresh = new FrpStateCore<Note>({ graph: noteGraph().graph, codec: jsonCodec(isNote), identity: identityFromSeed(new Uint8Array(32).fill(9)), self: 'reference', horizon: HORIZON })
      const now = Date.now()
      for (const op of written[1 - n.side]!) fresh.ingest(op.envelope, now, 'sync')
    }
    const referenceMs = performance.now() - referenceStarted

    const lines = [
      `settings: ${NODES} nodes in one process on loopback TCP (libp2p), split ${nodes.filter((n) => n.side === 0).length}/${nodes.filter((n) => n.side === 1).length} by closing and refusing the connections between the sides; ` +
        `${OPS_PER_SIDE} frp-state ops written on each side (${2 * OPS_PER_SIDE} divergent), ${KEYS} keys; SWIM period ${PERIOD} ms; anti-entropy every ${SYNC_INTERVAL} ms and on every connection; ` +
        `Healer with frp-state sync on SWIM's rejoin; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`,
      `split: ${(writeMs / 1_000).toFixed(1)} s to write, ${(sideMs / 1_000).toFixed(1)} s until each side held its own ${OPS_PER_SIDE} ops`,
      `heal: every node holds the identical state of ${2 * OPS_PER_SIDE} ops ${(convergeMs / 1_000).toFixed(2)} s after the sides were dialled again; ` +
        `SWIM saw one component again after ${(swimMs / 1_000).toFixed(2)} s; ${lostToTimeouts} streams or dials timed out on the way`,
      `reference: the same verification and application in memory (each node taking the other side's ${OPS_PER_SIDE} ops) ${(referenceMs / 1_000).toFixed(2)} s; ` +
        `convergence / reference = ${(convergeMs / referenceMs).toFixed(2)}x`
    ]
    for (const line of lines) console.log(line)
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
    writeFileSync(new URL('./results/heal-convergence.txt', import.meta.url), `${lines.join('\n')}\n`)
  } finally {
    await Promise.all(nodes.map((n) => n.node.stop()))
  }
}

await main()
