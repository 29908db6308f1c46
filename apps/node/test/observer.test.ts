// `dscs observer`, spawned as a user runs it: a client on a real libp2p node submits envelopes, the observer is
// SIGKILLed while submissions are in flight, and after a restart on the same data directory every entry that was
// acknowledged with a receipt is in the log at its receipt's index.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeEnvelope, createEnvelope } from '@dscs/wire'
import { generateIdentity, signEnvelope } from '@dscs/identity'
import { createNode, type DscsNode } from '@dscs/net'
import { trustObserver, type ClientService, type VerifiedReceipt } from '@dscs/trust-observer'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterAll, describe, expect, it } from 'vitest'
import { start, type Running } from './spawn.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-observer-'))
const running: Running[] = []
const nodes: DscsNode[] = []
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL')
  await Promise.all(running.map((r) => r.exit))
  await Promise.all(nodes.map((node) => node.stop()))
  await rm(dir, { recursive: true, force: true })
})

function observer(data: string): Running {
  const started = start(['observer', '--data', data, '--listen', '/ip4/127.0.0.1/tcp/0', '--batch-interval', '20', '--json'], 120_000)
  running.push(started)
  return started
}

const author = generateIdentity()
const envelope = (i: number): Uint8Array =>
  encodeEnvelope(signEnvelope(author, createEnvelope({ kind: 'test.Entry', payload: new TextEncoder().encode(`entry ${i}`), author: author.publicKey, timestamp: Date.now(), seq: i })))

describe('dscs observer', () => {
  it('acknowledges only what is on disk: after a SIGKILL amid submissions, every receipted entry is in the restarted log at its index', async () => {
    const data = join(dir, 'observer')
    const first = observer(data)
    const ready = await first.next('ready')
    expect(ready).toMatchObject({ size: 0, topic: `/dscs/trust-observer/${ready.publicKey as string}/1` })

    const client = await createNode({ transports: ['tcp'], listen: ['/ip4/127.0.0.1/tcp/0'], services: { log: trustObserver({ role: 'client', observer: ready.peerId as string, requestTimeout: 2_000 }) } })
    nodes.push(client)
    const log = client.libp2p.services.log as ClientService
    await client.dial((ready.multiaddrs as string[])[0]!)

    // Submissions keep flowing, a few in flight at a time, until the observer is killed after 60 receipts.
    const sent = new Map<number, Uint8Array>()
    const receipts: { envelope: Uint8Array; receipt: VerifiedReceipt }[] = []
    const TOTAL = 400
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < TOTAL && first.child.signalCode === null) {
        const i = next++
        const bytes = envelope(i)
        sent.set(i, bytes)
        try {
          receipts.push({ envelope: bytes, receipt: await log.submit(bytes) })
        } catch {
          return // the observer is gone: what was not receipted may or may not be logged
        }
        if (receipts.length === 60) first.child.kill('SIGKILL')
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker))
    expect(await first.exit).toBeNull() // killed, not exited
    expect(first.child.signalCode).toBe('SIGKILL')
    expect(receipts.length).toBeGreaterThanOrEqual(60)

    const second = observer(data)
    const again = await second.next('ready')
    expect(again.peerId).toBe(ready.peerId) // the same observer key, from the keystore
    expect(again.size).toBeGreaterThanOrEqual(receipts.length)
    await client.dial((again.multiaddrs as string[])[0]!)
    const size = again.size as number
    const logged: Uint8Array[] = []
    for (let start = 0; start < size; start += 200) logged.push(...(await log.entries(start, Math.min(size, start + 200))))
    for (const { envelope: bytes, receipt } of receipts) expect(bytesToHex(logged[receipt.index]!)).toBe(bytesToHex(bytes))
    // Nothing is logged twice, and nothing that was never sent.
    const hexes = logged.map(bytesToHex)
    expect(new Set(hexes).size).toBe(hexes.length)
    const sentHexes = new Set([...sent.values()].map(bytesToHex))
    expect(hexes.every((hex) => sentHexes.has(hex))).toBe(true)

    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
  }, 120_000)
})
