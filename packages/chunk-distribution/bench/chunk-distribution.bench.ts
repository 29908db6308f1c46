// @dscs/chunk-distribution benchmarks, each beside its anchor measured in the same run:
// 1. chunking + leaf hashing + tree building of 16 MiB in 256 KiB chunks vs one raw node:crypto SHA-256 over the
//    same bytes (target ≥ 0.9×: the tree costs little beyond the hashing it must do); the same in JavaScript
//    (the browser's path) for reference;
// 2. proof verification: a proof alone (leaf hash given) in a tree of 4,096 chunks (1 GiB), and a whole 256 KiB
//    chunk (hash + proof) vs a raw SHA-256 of the chunk (target ≥ 0.85×: the proof's 12 inner hashes take about
//    18 µs beside the chunk's 160 µs, so 0.9× is the ceiling);
// 3. the filesystem store: a 64 MiB put, and a 64 MiB download (every chunk verified with its proof, then written,
//    4 chunks in flight), synced every 64 chunks and at close, vs a raw write of the same bytes to one file with an
//    fsync (informative: the store hashes, and syncs four files and a directory).
// Run: pnpm --filter @dscs/chunk-distribution bench (after a build)
import { createHash } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BenchSuite } from '@dscs/bench'
import {
  ChunkVerifier,
  ContentBuilder,
  FsChunkStore,
  MemoryChunkStore,
  MerkleNodes,
  TreeShape,
  leafHash,
  nativeSha256,
  nobleSha256,
  put,
  setSha256Backend
} from '@dscs/chunk-distribution'

const MiB = 1024 * 1024
const CHUNK = 256 * 1024

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65_536, length)))
  return bytes
}

function build(content: Uint8Array): void {
  const builder = new ContentBuilder({ chunkSize: CHUNK })
  builder.push(content)
  builder.finish()
}

// 1. Hashing and tree building.
const HASHED = 16 * MiB
const hashed = randomBytes(HASHED)
const hashing = new BenchSuite('@dscs/chunk-distribution', 'hashing')
hashing.add('content id of 16 MiB (node:crypto)', () => build(hashed))
hashing.add('raw node:crypto SHA-256 of 16 MiB', () => createHash('sha256').update(hashed).digest())
hashing.add('content id of 16 MiB (JavaScript, as in browsers)', () => {
  setSha256Backend(nobleSha256)
  build(hashed)
  setSha256Backend(nativeSha256)
})
const hashingResults = await hashing.run({ rounds: 11, roundMs: 400 })
for (const result of hashingResults) console.log(`  ${result.name}: ${((result.opsPerSecond * HASHED) / MiB).toFixed(0)} MiB/s`)
hashing.compare('content id vs raw SHA-256 of the same bytes', 'content id of 16 MiB (node:crypto)', 'raw node:crypto SHA-256 of 16 MiB', { atLeast: 0.9 })
await hashing.save(new URL('./results/', import.meta.url))

// 2. Proof verification, in a tree of 4,096 chunks; the chunk checked is 256 KiB of random bytes.
const COUNT = 4_096
const chunk = randomBytes(CHUNK)
const leaves = randomBytes(COUNT * 32)
leaves.set(leafHash(chunk), 1_234 * 32)
const shape = new TreeShape(COUNT)
const nodes = MerkleNodes.fromLeaves(shape, leaves)
const verifier = new ChunkVerifier({ size: COUNT * CHUNK, chunkSize: CHUNK, root: nodes.node(shape.levels.length - 1, 0)! })
const proofs = Array.from({ length: COUNT }, (_, index) => nodes.proof(index)!)
let next = 0
const verifying = new BenchSuite('@dscs/chunk-distribution', 'verification')
verifying.add('proof alone (leaf hash given), 4,096-chunk tree', () => {
  next = (next + 1) % COUNT
  verifier.verifyLeaf(next, leaves.subarray(next * 32, next * 32 + 32), proofs[next]!)
})
verifying.add('256 KiB chunk with its proof', () => verifier.verify(1_234, chunk, proofs[1_234]!))
verifying.add('raw node:crypto SHA-256 of 256 KiB', () => createHash('sha256').update(chunk).digest())
await verifying.run()
verifying.compare('chunk verification vs raw SHA-256 of the chunk', '256 KiB chunk with its proof', 'raw node:crypto SHA-256 of 256 KiB', { atLeast: 0.85 })
await verifying.save(new URL('./results/', import.meta.url))

// 3. The filesystem store.
const WRITTEN = 64 * MiB
const written = randomBytes(WRITTEN)
const seeder = new MemoryChunkStore({ maxChunks: 2 ** 20 })
const { manifest } = await put(seeder, written, { chunkSize: CHUNK })
const pieces = await Promise.all(
  Array.from({ length: WRITTEN / CHUNK }, async (_, index) => ({ index, data: (await seeder.get(manifest.cid, index))!, proof: (await seeder.proof(manifest.cid, index))! }))
)
// Chunks arriving from several peers are put concurrently, as a download does.
const IN_FLIGHT = 4
const root = await mkdtemp(join(tmpdir(), 'dscs-chunks-bench-'))
let runs = 0
const storing = new BenchSuite('@dscs/chunk-distribution', 'fs-store')
storing.addAsync(
  'put 64 MiB into FsChunkStore',
  async () => {
    const dir = join(root, `put-${++runs}`)
    const store = await FsChunkStore.open(dir)
    await put(store, written, { chunkSize: CHUNK })
    await store.close()
    await rm(dir, { recursive: true })
  },
  { concurrency: 1 }
)
storing.addAsync(
  'download 64 MiB into FsChunkStore (verify + write, 4 in flight)',
  async () => {
    const dir = join(root, `download-${++runs}`)
    const store = await FsChunkStore.open(dir)
    await store.putManifest(manifest)
    const queue = [...pieces]
    const worker = async (): Promise<void> => {
      for (let piece = queue.shift(); piece !== undefined; piece = queue.shift()) await store.put(manifest.cid, piece.index, piece.data, piece.proof)
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    await store.close()
    await rm(dir, { recursive: true })
  },
  { concurrency: 1 }
)
storing.addAsync(
  'raw write of 64 MiB to one file + fsync',
  async () => {
    const file = join(root, `raw-${++runs}`)
    const handle = await open(file, 'w')
    for (let at = 0; at < WRITTEN; at += CHUNK) await handle.write(written, at, CHUNK, at)
    await handle.sync()
    await handle.close()
    await rm(file)
  },
  { concurrency: 1 }
)
const storingResults = await storing.run({ rounds: 7, roundMs: 1_500 })
for (const result of storingResults) console.log(`  ${result.name}: ${((result.opsPerSecond * WRITTEN) / MiB).toFixed(0)} MiB/s`)
storing.compare('put vs raw write', 'put 64 MiB into FsChunkStore', 'raw write of 64 MiB to one file + fsync')
storing.compare('download vs raw write', 'download 64 MiB into FsChunkStore (verify + write, 4 in flight)', 'raw write of 64 MiB to one file + fsync')
await storing.save(new URL('./results/', import.meta.url))
await rm(root, { recursive: true, force: true })
