// @dscs/chunk-distribution transfer benchmarks, on real libp2p nodes over loopback TCP + Noise + Yamux:
// 1. one seeder to one leecher, 64 MiB in 256 KiB chunks (every chunk verified with its proof and stored in memory),
//    vs a raw libp2p stream between the same two nodes in the same run, rounds interleaved (target ≥ 0.7×);
// 2. four seeders to one leecher, the same content.
// Run: pnpm --filter @dscs/chunk-distribution bench (after a build)
import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, platform } from 'node:os'
import { createNode, type DscsNode } from '@dscs/net'
import { chunkDistribution, type ChunkDistribution } from '@dscs/chunk-distribution'

const MiB = 1024 * 1024
const SIZE = 64 * MiB
const CHUNK = 256 * 1024
const ROUNDS = 3
const RAW_PROTOCOL = '/bench/raw/1.0.0'

async function benchNode(): Promise<DscsNode> {
  return createNode({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    relayServer: false,
    services: { chunks: chunkDistribution() }
  })
}

const chunksOf = (node: DscsNode): ChunkDistribution => node.libp2p.services.chunks as ChunkDistribution

function content(round: number): Uint8Array {
  const bytes = new Uint8Array(SIZE)
  for (let at = 0; at < SIZE; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536))
  bytes[0] = round
  return bytes
}

/** MiB/s of `SIZE` bytes sent on a raw stream from `a` to `b`. */
async function rawStream(a: DscsNode, b: DscsNode): Promise<number> {
  let received = 0
  let done: () => void = () => undefined
  const finished = new Promise<void>((resolve) => (done = resolve))
  await b.libp2p.handle(RAW_PROTOCOL, async (stream) => {
    for await (const piece of stream) {
      received += piece.byteLength
      if (received >= SIZE) done()
    }
  })
  const stream = await a.libp2p.dialProtocol(b.libp2p.peerId, RAW_PROTOCOL)
  const piece = new Uint8Array(64 * 1024).fill(7)
  const start = performance.now()
  for (let sent = 0; sent < SIZE; sent += piece.length) if (!stream.send(piece)) await stream.onDrain()
  await finished
  const seconds = (performance.now() - start) / 1000
  await stream.close()
  await b.libp2p.unhandle(RAW_PROTOCOL)
  return SIZE / MiB / seconds
}

/** MiB/s of a fetch by `leecher` of content published by every one of `seeders`. */
async function transfer(seeders: readonly DscsNode[], leecher: DscsNode, round: number): Promise<number> {
  const bytes = content(round)
  const ids = []
  for (const seeder of seeders) ids.push(await chunksOf(seeder).publish(bytes, { chunkSize: CHUNK }))
  const start = performance.now()
  await chunksOf(leecher).fetch(ids[0]!)
  return SIZE / MiB / ((performance.now() - start) / 1000)
}

const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!

const nodes = await Promise.all(Array.from({ length: 5 }, benchNode))
for (let i = 0; i < nodes.length; i++) for (let j = 0; j < i; j++) await nodes[i]!.dial(nodes[j]!.multiaddrs()[0]!)
const [seeder, ...rest] = nodes
const leecher = rest.at(-1)!

const raw: number[] = []
const single: number[] = []
const ratios: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  const anchor = await rawStream(seeder!, leecher)
  const measured = await transfer([seeder!], leecher, round)
  raw.push(anchor)
  single.push(measured)
  ratios.push(measured / anchor)
  console.log(`  round ${round + 1}: raw stream ${anchor.toFixed(0)} MiB/s, 1 seeder → 1 leecher ${measured.toFixed(0)} MiB/s (${(measured / anchor).toFixed(2)}×)`)
}
const many: number[] = []
for (let round = 0; round < ROUNDS; round++) many.push(await transfer(nodes.slice(0, 4), leecher, 100 + round))

const ratio = median(ratios)
console.log(`1 seeder → 1 leecher, 64 MiB in 256 KiB chunks: ${median(single).toFixed(0)} MiB/s; raw libp2p stream ${median(raw).toFixed(0)} MiB/s; ratio ${ratio.toFixed(2)}× (target ≥ 0.7×: ${ratio >= 0.7 ? 'met' : 'NOT met'})`)
console.log(`4 seeders → 1 leecher, 64 MiB: ${median(many).toFixed(0)} MiB/s`)
await Promise.all(nodes.map((node) => node.stop()))

const dir = new URL('./results/', import.meta.url)
await mkdir(dir, { recursive: true })
const machine = { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }
const report = {
  package: '@dscs/chunk-distribution',
  suite: 'transfer',
  date: new Date().toISOString(),
  machine,
  bytes: SIZE,
  chunkSize: CHUNK,
  rawStreamMiBps: raw,
  singleSeederMiBps: single,
  ratioToRawStream: { median: ratio, rounds: ratios, atLeast: 0.7 },
  fourSeedersMiBps: many
}
await writeFile(new URL('transfer.json', dir), `${JSON.stringify(report, null, 2)}\n`)
console.log(`  wrote ${new URL('transfer.json', dir).pathname}`)
