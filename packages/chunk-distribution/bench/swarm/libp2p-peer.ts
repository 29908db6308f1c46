// A benchmark peer process that moves the content over bare libp2p streams: the same node as a DSCS peer (TCP +
// Noise + Yamux on loopback, the same services), but no piece protocol, no verification and no store. Each leecher's
// share is fixed up front: the content is cut into one slice per leecher, a leecher fetches its slice from the
// seeders (one part from each) and pushes it on to every other leecher, so every byte crosses the network once per
// leecher and nothing is asked twice. No protocol that runs on libp2p can deliver faster on this machine: its
// throughput is the ceiling for DSCS. Commands: see protocol.ts.
import type { Connection, Stream } from '@libp2p/interface'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createNode } from '@dscs/net'
import { CHUNK, MemoryPeak, Redialler, maxRss, serve } from './child.ts'

/** Asks a seeder for a byte range: 8 bytes (start, end; big-endian), then the range comes back and the stream ends. */
const RANGE = '/dscs-bench/range/1.0.0'
/** Pushes a byte range to a leecher: 8 bytes (start, end), then the range. */
const FORWARD = '/dscs-bench/forward/1.0.0'

const node = await createNode({
  listen: ['/ip4/127.0.0.1/tcp/0'],
  relayServer: false,
  net: { rationing: { bytesPerSecond: 2 ** 40, burstBytes: 2 ** 40 } }
})

interface Range {
  readonly start: number
  readonly end: number
}

/** `size` bytes cut into `count` near-equal slices; slice `index`. */
const slice = (range: Range, count: number, index: number): Range => {
  const size = range.end - range.start
  return { start: range.start + Math.floor((size * index) / count), end: range.start + Math.floor((size * (index + 1)) / count) }
}

let content: Uint8Array | undefined
let received = 0
let completed: (() => void) | undefined
/** Each part of this leecher's slice (one per seeder) with the bytes of it received so far, in order. */
const parts: { readonly range: Range; got: number; readonly waiting: (() => void)[] }[] = []
/** The leechers this one pushes its slice to: those it dialled and every peer that dialled it (seeders never dial). */
const leechers = new Set<Connection>()
let pushing = false

function holding(): Uint8Array {
  if (content === undefined) throw new Error('no content added')
  return content
}

/** Copies `piece`, which starts at byte `at` of the content, into it. */
function take(piece: Uint8Array, at: number): void {
  holding().set(piece, at)
  received += piece.byteLength
  const reached = at + piece.byteLength
  for (const part of parts) {
    if (reached > part.range.start + part.got && reached <= part.range.end) {
      part.got = reached - part.range.start
      for (const wake of part.waiting.splice(0)) wake()
    }
  }
  if (received === content?.byteLength) completed?.()
}

/** Calls `onData` with each piece `stream` brings, in order; `onHeader` first with the range its 8-byte header names, if `headed`. */
function read(stream: Stream, headed: boolean, onData: (piece: Uint8Array) => void, onHeader?: (range: Range) => void): void {
  let head: Buffer | undefined = headed ? Buffer.alloc(0) : undefined
  stream.addEventListener('message', (event) => {
    for (let piece of event.data instanceof Uint8Array ? [event.data] : event.data) {
      if (head !== undefined) {
        head = Buffer.concat([head, piece])
        if (head.byteLength < 8) continue
        onHeader?.({ start: head.readUInt32BE(0), end: head.readUInt32BE(4) })
        piece = head.subarray(8)
        head = undefined
      }
      if (piece.byteLength > 0) onData(piece)
    }
  })
}

/** Fills the content from `at` on with what `stream` brings after its header; resolves when the stream ends. */
function readInto(stream: Stream, at: number, headed: boolean): Promise<void> {
  const ended = new Promise<void>((resolve) => stream.addEventListener('close', () => resolve(), { once: true }))
  read(stream, headed, (piece) => {
    take(piece, at)
    at += piece.byteLength
  }, (range) => (at = range.start))
  return ended
}

/** Sends `bytes` in pieces of at most a chunk, waiting whenever the stream's buffer is full. */
async function sendAll(stream: Stream, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength; at += CHUNK) {
    if (!stream.send(bytes.subarray(at, at + CHUNK))) await stream.onDrain()
  }
}

const rangeHeader = (range: Range): Uint8Array => {
  const bytes = Buffer.alloc(8)
  bytes.writeUInt32BE(range.start, 0)
  bytes.writeUInt32BE(range.end, 4)
  return bytes
}

// A seeder serves a range as it is asked.
await node.libp2p.handle(RANGE, (stream) => {
  read(stream, true, () => {}, (range) => {
    void sendAll(stream, holding().subarray(range.start, range.end))
      .then(() => stream.close())
      .catch((err: unknown) => stream.abort(err instanceof Error ? err : new Error(String(err))))
  })
})

// A leecher takes what another pushes.
await node.libp2p.handle(FORWARD, (stream) => readInto(stream, 0, true))

node.libp2p.addEventListener('connection:open', (event) => {
  if (event.detail.direction !== 'inbound') return
  leechers.add(event.detail)
  if (pushing) pushTo(event.detail)
})

/** Pushes every part of this leecher's slice to `leecher`, each as it arrives. */
function pushTo(leecher: Connection): void {
  for (const part of parts) {
    void (async () => {
      const stream = await leecher.newStream(FORWARD)
      stream.send(rangeHeader(part.range))
      let sent = 0
      const size = part.range.end - part.range.start
      while (sent < size) {
        if (sent === part.got) await new Promise<void>((resolve) => part.waiting.push(resolve))
        const upTo = part.got
        await sendAll(stream, holding().subarray(part.range.start + sent, part.range.start + upTo))
        sent = upTo
      }
      await stream.close()
    })().catch((err: unknown) => console.error(`libp2p peer ${process.pid}: push failed:`, err))
  }
}

const redialler = new Redialler()

/** Dials `address`; the connection. */
async function connect(address: string): Promise<Connection> {
  const peer = address.slice(address.lastIndexOf('/p2p/') + 5)
  await redialler.dial(() => node.dial(address))
  const connection = node.libp2p.getConnections().find((c) => c.remotePeer.toString() === peer)
  if (connection === undefined) throw new Error(`no connection to ${peer} after dialling it`)
  return connection
}

serve({ type: 'ready', address: node.multiaddrs()[0]! }, async (command) => {
  switch (command.type) {
    case 'seed':
      if (!('file' in command.origin)) throw new Error('bare libp2p peers seed files only')
      content = new Uint8Array(await readFile(command.origin.file))
      return { type: 'seeded', id: String(content.byteLength), key: String(content.byteLength) }
    case 'add':
      content = new Uint8Array(Number(command.id))
      return { type: 'added' }
    case 'fetch': {
      const memory = new MemoryPeak()
      const whole = { start: 0, end: holding().byteLength }
      const index = command.peers.length - command.seeders
      const mine = slice(whole, command.leechers, index)
      const done = new Promise<void>((resolve) => (completed = resolve))
      for (let s = 0; s < command.seeders; s++) parts.push({ range: slice(mine, command.seeders, s), got: 0, waiting: [] })
      const connections = await Promise.all(command.peers.map(connect))
      connections.slice(command.seeders).forEach((leecher) => leechers.add(leecher))
      pushing = true
      for (const leecher of leechers) pushTo(leecher)
      await Promise.all(
        connections.slice(0, command.seeders).map(async (seeder, s) => {
          const range = parts[s]!.range
          const stream = await seeder.newStream(RANGE)
          void readInto(stream, range.start, false)
          stream.send(rangeHeader(range))
          await stream.close()
        })
      )
      await done
      return { type: 'fetched', maxRss: maxRss(), peak: memory.stop(), notes: redialler.notes() }
    }
    case 'hash':
      return { type: 'hashed', sha256: createHash('sha256').update(holding()).digest('hex') }
    case 'stop':
      await node.stop()
      return { type: 'stopped' }
  }
})
