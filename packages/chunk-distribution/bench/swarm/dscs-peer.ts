// A benchmark peer process running DSCS: one libp2p node on loopback TCP with the chunk-distribution service, its
// chunks in an FsChunkStore under the directory given as argument. Commands: see protocol.ts.
import { createReadStream } from 'node:fs'
import { createNode } from '@dscs/net'
import { chunkDistribution, parseContentId, type ChunkDistribution, type ContentId, type TransferProgress } from '@dscs/chunk-distribution'
import { CHUNK, MemoryPeak, Redialler, maxRss, serve } from './child.ts'
import { generateContent, sha256Of } from './content.ts'
import type { ContentOrigin } from './protocol.ts'

const directory = process.argv[2]
if (directory === undefined) throw new Error('usage: dscs-peer.ts <store directory>')

const node = await createNode({
  listen: ['/ip4/127.0.0.1/tcp/0'],
  relayServer: false,
  // The default rationing (1 MiB/s per peer and protocol) would measure the budget, not the transfer.
  net: { rationing: { bytesPerSecond: 2 ** 40, burstBytes: 2 ** 40 } },
  // BENCH_MAX_OUTSTANDING: the download's window in chunks (default 256), to see what it costs in memory.
  services: { chunks: chunkDistribution({ directory, ...(process.env.BENCH_MAX_OUTSTANDING === undefined ? {} : { maxOutstanding: Number(process.env.BENCH_MAX_OUTSTANDING) }) }) }
})
const chunks = node.libp2p.services.chunks as ChunkDistribution
let content: ContentId | undefined

const source = (origin: ContentOrigin): AsyncIterable<Uint8Array> =>
  'file' in origin ? createReadStream(origin.file, { highWaterMark: 1024 * 1024 }) : generateContent(origin.generate.size, origin.generate.seed)

const redialler = new Redialler()
const dropped: string[] = []
chunks.onEvent((event) => {
  if (event.type !== 'peer-dropped') return
  dropped.push(`dropped a peer (${event.reason})`)
  // Told at once too: a download that never completes never sends its notes.
  console.error(`    dscs leecher ${process.pid}: dropped peer …${event.peer.slice(-6)} (${event.reason})`)
})

// A line on stderr every 5 s while downloading, so that a long download shows it is moving.
let told = 0
function onProgress(progress: TransferProgress): void {
  const now = performance.now()
  if (now - told < 5_000) return
  told = now
  const MiB = 1024 * 1024
  console.error(`    dscs leecher ${process.pid}: ${progress.percent.toFixed(0)}%, ${(progress.bytes / MiB).toFixed(0)} MiB, ${(progress.rate / MiB).toFixed(1)} MiB/s from ${progress.peers} peers`)
}

function added(): ContentId {
  if (content === undefined) throw new Error('no content added')
  return content
}

serve({ type: 'ready', address: node.multiaddrs()[0]! }, async (command) => {
  switch (command.type) {
    case 'seed':
      content = await chunks.publish(source(command.origin), { chunkSize: CHUNK })
      return { type: 'seeded', id: content.toString(), key: content.toString() }
    case 'add':
      content = parseContentId(command.id)
      return { type: 'added' }
    case 'fetch': {
      const memory = new MemoryPeak()
      told = performance.now()
      const dials = command.peers.map((address) => redialler.dial(() => node.dial(address)))
      // Like a BitTorrent client, it starts with the first peer connected; the others join the download as they connect.
      await Promise.any(dials)
      await chunks.fetch(added(), { onProgress })
      await Promise.allSettled(dials)
      return { type: 'fetched', maxRss: maxRss(), peak: memory.stop(), notes: [...redialler.notes(), ...dropped] }
    }
    case 'hash':
      return { type: 'hashed', sha256: await sha256Of(chunks.read(added())) }
    case 'stop':
      await node.stop()
      return { type: 'stopped' }
  }
})
