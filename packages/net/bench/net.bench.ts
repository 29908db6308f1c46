// @dscs/net benchmarks, each beside its anchor measured in the same run:
// 1. propagation of one envelope to all of 20 in-process nodes, DSCS-validated,
//    vs stock gossipsub (StrictSign) and vs no validation at all (target ≤ 1.2×);
// 2. envelopes per second through one node's topic validator (32 in flight)
//    vs raw, synchronous node:crypto verify (target ≥ 0.8×);
// 3. raw stream throughput between two nodes over TCP + Noise + Yamux.
// Run: pnpm --filter @dscs/net bench
import { mkdir, writeFile } from 'node:fs/promises'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { arch, cpus, platform } from 'node:os'
import { BenchSuite, percentile } from '@dscs/bench'
import { identityFromSeed, signEnvelope, type Identity } from '@dscs/identity'
import { createNode, type DscsNode, type NodeOptions } from '@dscs/net'
import { createEnvelope, decodeEnvelope, encodeEnvelope, signingBytes } from '@dscs/wire'
import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'

const options = { listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false }
const results: Record<string, unknown> = {}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const pubsub = (node: DscsNode) => node.libp2p.services.pubsub as GossipSub

function envelope(author: Identity, i: number, size = 256): Uint8Array {
  const payload = new Uint8Array(size).fill(i & 0xff)
  return encodeEnvelope(signEnvelope(author, createEnvelope({ kind: 'bench.Op', payload, author: author.publicKey, timestamp: Date.now(), seq: i })))
}


type Condition = 'dscs' | 'unvalidated' | 'stock'

/** 20 nodes, each dialling three others: a connected, non-trivial mesh on one topic. */
async function mesh(count: number, topic: string, arrivals: Map<string, number[]>, gossip?: NodeOptions['gossip']): Promise<DscsNode[]> {
  const nodes: DscsNode[] = []
  for (let i = 0; i < count; i++) nodes.push(await createNode({ ...options, gossip }))
  for (const [i, node] of nodes.entries()) {
    for (const j of [1, 5, 11]) await node.dial(nodes[(i + j) % count]!.multiaddrs()[0]!).catch(() => {})
  }
  for (const node of nodes) {
    pubsub(node).subscribe(topic)
    pubsub(node).addEventListener('message', (event: CustomEvent<Message>) => {
      if (event.detail.topic === topic) arrivals.get(`${decodeEnvelope(event.detail.data).seq}`)?.push(performance.now())
    })
  }
  while (!nodes.every((n) => n.net.topicPeers(topic).length >= 3)) await sleep(100)
  return nodes
}

async function propagation(): Promise<void> {
  const COUNT = 20
  const ROUNDS = 100
  const TOPIC = 'bench/propagation'
  console.log(`propagation: ${COUNT} in-process nodes per mesh, ${ROUNDS} publications per condition, interleaved`)
  const arrivals = new Map<string, number[]>()
  // Two meshes. DSCS nodes run one topic whose DSCS validator is switched on or off between
  // publications; stock nodes run gossipsub as it ships (StrictSign: it signs and verifies
  // every message itself), the set-up DSCS replaces.
  const dscsNodes = await mesh(COUNT, TOPIC, arrivals)
  const stockNodes = await mesh(COUNT, TOPIC, arrivals, { globalSignaturePolicy: 'StrictSign', msgIdFn: undefined })
  for (const node of dscsNodes) node.net.subscribe(TOPIC, () => 'accept')
  const validators = dscsNodes.map((n) => pubsub(n).topicValidators.get(TOPIC)!)
  const validate = (on: boolean): void =>
    dscsNodes.forEach((n, i) => (on ? pubsub(n).topicValidators.set(TOPIC, validators[i]!) : pubsub(n).topicValidators.delete(TOPIC)))
  await sleep(2500) // a few heartbeats: the meshes settle

  const conditions: Condition[] = ['dscs', 'unvalidated', 'stock']
  const latency: Record<Condition, number[]> = { dscs: [], unvalidated: [], stock: [] }
  let seq = 0
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no condition always runs first after the pause.
    for (const condition of conditions.map((_, k) => conditions[(k + round) % conditions.length]!)) {
      validate(condition === 'dscs')
      const publisher = (condition === 'stock' ? stockNodes : dscsNodes)[round % COUNT]!
      const key = `${++seq}`
      const bytes = envelope(publisher.identity, seq)
      arrivals.set(key, [])
      const start = performance.now()
      await pubsub(publisher).publish(TOPIC, bytes)
      const deadline = start + 5000
      while (arrivals.get(key)!.length < COUNT - 1 && performance.now() < deadline) await sleep(1)
      const times = arrivals.get(key)!
      if (times.length === COUNT - 1) latency[condition].push(Math.max(...times) - start)
      await sleep(20)
    }
  }
  await Promise.all([...dscsNodes, ...stockNodes].map((n) => n.stop()))
  const figures = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99), delivered: values.length })
  const dscs = figures(latency.dscs)
  const unvalidated = figures(latency.unvalidated)
  const stock = figures(latency.stock)
  const line = (label: string, f: ReturnType<typeof figures>) =>
    console.log(`  ${label.padEnd(42)} p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms (${f.delivered}/${ROUNDS} reached all)`)
  line('DSCS-validated topic:', dscs)
  line('same mesh, no validation at all:', unvalidated)
  line('stock gossipsub (StrictSign):', stock)
  const vsStock = dscs.p50 / stock.p50
  const vsUnvalidated = dscs.p50 / unvalidated.p50
  console.log(`  overhead vs stock gossipsub (p50): ${vsStock.toFixed(2)}× (target ≤ 1.2×) ${vsStock <= 1.2 ? 'met' : 'NOT MET'}`)
  console.log(`  overhead vs no validation (p50):   ${vsUnvalidated.toFixed(2)}× (target ≤ 1.2×) ${vsUnvalidated <= 1.2 ? 'met' : 'NOT MET'}`)
  results.propagation = {
    nodes: COUNT, rounds: ROUNDS, dscs, unvalidated, stock,
    overheadP50VsStock: vsStock, overheadP50VsUnvalidated: vsUnvalidated, overheadP99VsStock: dscs.p99 / stock.p99, target: 1.2
  }
}

async function validatorThroughput(): Promise<void> {
  // The bench itself is the only sender: lift its rationing budget out of the way.
  const unlimited = { bytesPerSecond: 1e12, burstBytes: 1e12, messagesPerSecond: 1e12, burstMessages: 1e12 }
  const node = await createNode({ ...options, net: { rationing: unlimited } })
  node.net.subscribe('bench/validate', () => 'accept')
  const validate = pubsub(node).topicValidators.get('bench/validate')!
  const sender = peerIdFromString(node.peerId)
  const authors = Array.from({ length: 50 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
  // Distinct envelopes: the replay guard refuses a repeat.
  const messages: Message[] = Array.from({ length: 40_000 }, (_, i) => ({ type: 'unsigned', topic: 'bench/validate', data: envelope(authors[i % 50]!, i, 128) }))
  const keys = authors.map((a) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), a.publicKey]), format: 'der', type: 'spki' }))
  const decoded = messages.slice(0, 5000).map((m) => decodeEnvelope(m.data))
  let next = 0
  let raw = 0
  const suite = new BenchSuite('@dscs/net', 'validator')
  let refused = 0
  // Gossipsub validates the messages of many RPCs at once: 32 in flight, verified on the thread pool.
  suite.addAsync('topic validator (rationing, openEnvelope, handler)', async () => {
    if ((await validate(sender, messages[next++ % messages.length]!)) !== TopicValidatorResult.Accept) refused++
  }, { concurrency: 32 })
  suite.add('node:crypto verify (raw KeyObject)', () => {
    const e = decoded[raw++ % decoded.length]!
    return nodeVerify(null, signingBytes(e), keys[raw % 50]!, e.signature)
  })
  await suite.run({ rounds: 9, roundMs: 100 })
  suite.compare('validator vs raw verify', 'topic validator (rationing, openEnvelope, handler)', 'node:crypto verify (raw KeyObject)', { atLeast: 0.8 })
  await suite.save(new URL('./results/', import.meta.url))
  // Past the pre-made envelopes, repeats are refused by the replay guard, a cheaper path: say so.
  if (refused > 0) console.log(`  note: ${refused} of ${next} validations refused (repeats after ${messages.length} distinct envelopes)`)
  await node.stop()
}

async function streamThroughput(): Promise<void> {
  const a = await createNode(options)
  const b = await createNode(options)
  await a.dial(b.multiaddrs()[0]!)
  const CHUNK = 64 * 1024
  const TOTAL = 256 * 1024 * 1024
  let received = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => (done = resolve))
  await b.libp2p.handle('/bench/raw/1.0.0', async (stream) => {
    for await (const chunk of stream) {
      received += chunk.byteLength
      if (received >= TOTAL) done()
    }
  })
  const stream = await a.libp2p.dialProtocol(b.libp2p.peerId, '/bench/raw/1.0.0')
  const chunk = new Uint8Array(CHUNK).fill(7)
  const start = performance.now()
  for (let sent = 0; sent < TOTAL; sent += CHUNK) if (!stream.send(chunk)) await stream.onDrain()
  await finished
  const seconds = (performance.now() - start) / 1000
  const mbPerSecond = TOTAL / (1024 * 1024) / seconds
  console.log(`raw stream, TCP + Noise + Yamux on loopback: ${mbPerSecond.toFixed(1)} MiB/s (${TOTAL / 1024 / 1024} MiB in ${seconds.toFixed(2)} s)`)
  results.streamThroughput = { bytes: TOTAL, seconds, mibPerSecond: mbPerSecond }
  await stream.close()
  await a.stop()
  await b.stop()
}

await propagation()
await validatorThroughput()
await streamThroughput()
const dir = new URL('./results/', import.meta.url)
await mkdir(dir, { recursive: true })
const machine = { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }
await writeFile(new URL('network.json', dir), `${JSON.stringify({ package: '@dscs/net', date: new Date().toISOString(), machine, ...results }, null, 2)}\n`)
console.log(`  wrote ${new URL('network.json', dir).pathname}`)
