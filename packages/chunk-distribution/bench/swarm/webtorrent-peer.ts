// A benchmark peer process running WebTorrent: one client, TCP only (no DHT, trackers, local discovery, uTP, web
// seeds, NAT traversal or peer exchange: peers are added by address), its files under the directory given as
// argument. Commands: see protocol.ts.
import { once } from 'node:events'
import { join } from 'node:path'
import WebTorrent, { type Torrent } from 'webtorrent'
import { CHUNK, MemoryPeak, maxRss, serve } from './child.ts'
import { sha256OfFile } from './content.ts'

const directory = process.argv[2]
if (directory === undefined) throw new Error('usage: webtorrent-peer.ts <download directory>')

const client = new WebTorrent({ dht: false, tracker: false, lsd: false, utp: false, webSeeds: false, natUpnp: false, natPmp: false, utPex: false })
client.on('error', (err) => {
  console.error(`webtorrent peer ${process.pid}:`, err)
  process.exit(1)
})
if (client.address() === null) await once(client, 'listening')
let torrent: Torrent | undefined

function added(): Torrent {
  if (torrent === undefined) throw new Error('no torrent added')
  return torrent
}

serve({ type: 'ready', address: `127.0.0.1:${client.address()!.port}` }, async (command) => {
  switch (command.type) {
    case 'seed': {
      if (!('file' in command.origin)) throw new Error('WebTorrent seeds files only')
      const file = command.origin.file
      // No announce list: create-torrent would otherwise write its default public trackers into the torrent.
      const seeded = await new Promise<Torrent>((resolve) => client.seed(file, { pieceLength: CHUNK, announceList: [], private: true }, resolve))
      torrent = seeded
      return { type: 'seeded', id: Buffer.from(seeded.torrentFile).toString('base64'), key: seeded.infoHash }
    }
    case 'add': {
      const adding = client.add(Buffer.from(command.id, 'base64'), { path: directory })
      if (!adding.ready) await once(adding, 'ready')
      torrent = adding
      return { type: 'added' }
    }
    case 'fetch': {
      const memory = new MemoryPeak()
      const downloading = added()
      const done = downloading.done ? Promise.resolve() : once(downloading, 'done')
      for (const peer of command.peers) downloading.addPeer(peer)
      await done
      return { type: 'fetched', maxRss: maxRss(), peak: memory.stop(), notes: [] }
    }
    case 'hash': {
      const { files } = added()
      if (files.length !== 1) throw new Error(`expected one file, the torrent has ${files.length}`)
      return { type: 'hashed', sha256: await sha256OfFile(join(directory, files[0]!.path)) }
    }
    case 'stop':
      await new Promise<void>((resolve) => client.destroy(() => resolve()))
      return { type: 'stopped' }
  }
})
