import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { peerIdFromString } from '@libp2p/peer-id'
import { afterAll, describe, expect, it } from 'vitest'
import { createNode, type NodeOptions } from '../src/node/index.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-net-data-'))
afterAll(() => rm(dir, { recursive: true, force: true }))
const fast: NodeOptions = { passphrase: 'pw', keystore: { scrypt: { N: 1024, r: 8, p: 1 } }, listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false }
const key = new TextEncoder().encode('greeting')

describe('a node with a data directory', () => {
  it('keeps its PeerId, peer store and data across a restart', async () => {
    const dataDir = join(dir, 'restart')
    const other = await createNode(fast)
    const first = await createNode({ ...fast, dataDir })
    await first.dial(other.multiaddrs()[0]!)
    await first.store.put(key, new Uint8Array([1, 2, 3]))
    const peerId = first.peerId
    await first.stop()

    const second = await createNode({ ...fast, dataDir })
    try {
      expect(second.peerId).toBe(peerId)
      expect(await second.libp2p.peerStore.has(peerIdFromString(other.peerId))).toBe(true)
      expect(await second.store.get(key)).toEqual(new Uint8Array([1, 2, 3]))
    } finally {
      await second.stop()
      await other.stop()
    }
  })

  it('drops a peer-store write that lands after stop (an identify answer racing the shutdown) instead of rejecting', async () => {
    const dataDir = join(dir, 'late-write')
    const other = await createNode(fast)
    const late = peerIdFromString(other.peerId)
    await other.stop()
    const node = await createNode({ ...fast, dataDir })
    const peerStore = node.libp2p.peerStore
    await node.stop()
    await expect(peerStore.merge(late, { tags: { late: { value: 1 } } })).resolves.toBeDefined()
  })

  it('refuses a wrong passphrase with a clear error and leaves the keystore as it was', async () => {
    const dataDir = join(dir, 'passphrase')
    await (await createNode({ ...fast, dataDir })).stop()
    const keystore = await readFile(join(dataDir, 'identity.json'))
    await expect(createNode({ ...fast, dataDir, passphrase: 'wrong' })).rejects.toMatchObject({ code: 'KEYSTORE_BAD_PASSPHRASE' })
    expect(await readFile(join(dataDir, 'identity.json'))).toEqual(keystore)
    // The failed start released the stores: a correct start still works.
    await (await createNode({ ...fast, dataDir })).stop()
  })

  it('restarts after SIGKILL with the same PeerId and every acknowledged write', async () => {
    const dataDir = join(dir, 'killed')
    const writer = fileURLToPath(new URL('./fixtures/node-writer.ts', import.meta.url))
    const { peer, acked } = await new Promise<{ peer: string; acked: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [writer, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
      let peer = ''
      let acked = -1
      let pending = ''
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk: string) => {
        pending += chunk
        const lines = pending.split('\n')
        pending = lines.pop()!
        for (const line of lines) {
          if (line.startsWith('peer ')) peer = line.slice(5)
          if (line.startsWith('ack ')) acked = Number(line.slice(4))
        }
        if (acked >= 200) child.kill('SIGKILL')
      })
      child.on('error', reject)
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        if (signal === 'SIGKILL' && acked >= 200) resolve({ peer, acked })
        else reject(new Error(`writer exited with ${signal ?? code} after ${acked} writes`))
      })
    })

    const restarted = await createNode({ ...fast, dataDir })
    try {
      expect(restarted.peerId).toBe(peer)
      let present = 0
      for await (const _entry of restarted.store.range()) present++
      expect(present).toBeGreaterThanOrEqual(acked + 1)
    } finally {
      await restarted.stop()
    }
  }, 60_000)
})
