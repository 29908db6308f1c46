import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LevelStore } from '@dscs/store'
import { createNode, type DscsNode } from '@dscs/net'
import { afterAll, describe, expect, it } from 'vitest'
import { frpState, type FrpState, type FrpStateServiceEvent } from '../src/index.js'
import { counterApp, fastKeystore, type Add } from './fixtures/counter-app.js'
import { waitFor } from '@dscs/test-support'

const dir = await mkdtemp(join(tmpdir(), 'dscs-frp-state-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

async function startState(dataDir: string, horizon: number) {
  const app = counterApp()
  const node: DscsNode = await createNode({ ...fastKeystore, dataDir, services: { state: frpState({ graph: app.graph, codec: app.codec, horizon, compactEvery: 20 }) } })
  return { ...app, node, state: node.libp2p.services.state as FrpState<Add> }
}

describe('frp-state on LevelDB', () => {
  it('restores a restarted node from its last checkpoint plus the ops after it', async () => {
    const dataDir = join(dir, 'restart')
    const first = await startState(dataDir, 150)
    const compactions: FrpStateServiceEvent<Add>[] = []
    first.state.onEvent((event) => event.type === 'compacted' && compactions.push(event))
    for (let i = 0; i < 60; i++) await first.state.submit({ counter: `c${i % 5}`, by: i })
    await waitFor(() => compactions.length > 0, 'a compaction')
    for (let i = 60; i < 80; i++) await first.state.submit({ counter: `c${i % 5}`, by: i })
    const before = ['c0', 'c1', 'c2', 'c3', 'c4'].map((key) => first.graph.get('confirmed', first.counters, key))
    await first.node.stop()

    const second = await startState(dataDir, 60_000)
    try {
      const loaded = second.state.loaded!
      // Not a full replay: the compacted ops came back as bases.
      expect(loaded.bases).toBeGreaterThan(0)
      expect(loaded.ops).toBeLessThan(80)
      expect(loaded.refused).toBe(0)
      expect(['c0', 'c1', 'c2', 'c3', 'c4'].map((key) => second.graph.get('confirmed', second.counters, key))).toEqual(before)
      expect(second.graph.get('predicted', second.total)).toBe((79 * 80) / 2)
      // The clock resumes after what it issued before the restart.
      const op = await second.state.submit({ counter: 'c0', by: 0 })
      expect(op.wall).toBeGreaterThan(0)
    } finally {
      await second.node.stop()
    }
  })

  it('loses no acknowledged op and corrupts nothing when killed mid-write', async () => {
    const dataDir = join(dir, 'killed')
    const writer = fileURLToPath(new URL('./fixtures/state-writer.ts', import.meta.url))
    const acked = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [writer, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
      let last = -1
      let compactions = 0
      let pending = ''
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk: string) => {
        pending += chunk
        const lines = pending.split('\n')
        pending = lines.pop()!
        for (const line of lines) {
          if (line.startsWith('ack ')) last = Number(line.slice(4))
          if (line === 'compacted') compactions++
        }
        // Killed while compactions and writes interleave, so the kill can land inside either.
        if (last >= 400 && compactions >= 3) child.kill('SIGKILL')
      })
      child.on('error', reject)
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        if (signal === 'SIGKILL' && last >= 400 && compactions >= 3) resolve(last)
        else reject(new Error(`writer exited with ${signal ?? code} after ${last} acknowledged ops`))
      })
    })

    const restarted = await startState(dataDir, 60_000)
    try {
      expect(restarted.state.loaded).toMatchObject({ refused: 0, bases: expect.any(Number) as number })
      expect(restarted.state.loaded!.bases).toBeGreaterThan(0)
      const total = restarted.graph.get('confirmed', restarted.total)
      // Every acknowledged op counts one; at most one more was written but not yet acknowledged.
      expect(total).toBeGreaterThanOrEqual(acked + 1)
      expect(total).toBeLessThanOrEqual(acked + 2)
    } finally {
      await restarted.node.stop()
    }
  }, 60_000)

  it('refuses to start on a damaged base, with a typed error, and skips a damaged op', async () => {
    const dataDir = join(dir, 'damaged')
    const first = await startState(dataDir, 100)
    let folded = 0
    first.state.onEvent((event) => (folded += event.type === 'compacted' ? event.removed.length : 0))
    for (let i = 0; i < 10; i++) await first.state.submit({ counter: 'c', by: 1 })
    await waitFor(() => folded === 10, 'all ten ops folded into bases')
    await first.state.flush()
    await first.state.submit({ counter: 'c', by: 1 })
    await first.node.stop()

    const store = await LevelStore.open(join(dataDir, 'store'))
    const prefix = new TextEncoder().encode('frp-state/default/')
    for await (const [key] of store.range({ gte: prefix })) {
      // Damage every op record's envelope, and keep the bases for now.
      if (key[prefix.length] === 'o'.charCodeAt(0)) await store.put(key, new Uint8Array([1, 9, 9, 9]))
    }
    await store.close()
    const second = await startState(dataDir, 60_000)
    expect(second.state.loaded).toMatchObject({ ops: 0, refused: 1 })
    expect(second.graph.get('confirmed', second.counters, 'c')).toBe(10)
    await second.node.stop()

    const again = await LevelStore.open(join(dataDir, 'store'))
    for await (const [key] of again.range({ gte: prefix })) {
      if (key[prefix.length] === 'b'.charCodeAt(0)) await again.put(key, new TextEncoder().encode('{not json'))
    }
    await again.close()
    await expect(startState(dataDir, 60_000)).rejects.toMatchObject({ code: 'CORRUPT_STORE' })
  })
})
