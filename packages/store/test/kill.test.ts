import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { LevelStore } from '../src/index.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-store-kill-'))
afterAll(() => rm(dir, { recursive: true, force: true }))
const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url))

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

/** Runs the writer until it has acknowledged `target` batches, then SIGKILLs it; returns the last acknowledged batch. */
function writeThenKill(location: string, target: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, location], { stdio: ['ignore', 'pipe', 'inherit'] })
    let acknowledged = -1
    let buffered = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) acknowledged = Number(line)
      if (acknowledged >= target) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', (_code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL') reject(new Error(`writer ended with ${signal ?? _code}, not SIGKILL`))
      else resolve(acknowledged)
    })
  })
}

describe('LevelStore under SIGKILL', () => {
  it('reopens after a kill with every acknowledged batch whole and no batch half-applied', async () => {
    const location = join(dir, 'db')
    const acknowledged = await writeThenKill(location, 300)
    expect(acknowledged).toBeGreaterThanOrEqual(300)
    const store = await LevelStore.open(location)
    let batches = 0
    // Each batch i wrote a/i and b/i together; both or neither must be present.
    for (let i = 0; ; i++) {
      const a = await store.get(new Uint8Array([0x61, ...u32(i)]))
      const b = await store.get(new Uint8Array([0x62, ...u32(i)]))
      expect(a === undefined).toBe(b === undefined)
      if (a === undefined) break
      expect(a).toEqual(b)
      batches++
    }
    expect(batches).toBeGreaterThanOrEqual(acknowledged + 1)
    await store.close()
  }, 30_000)
})
