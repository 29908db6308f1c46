// Two `dscs node` processes running two state domains from dscs.config.json, each domain in its own trust mode and
// partition policy: writes in each converge on both processes and never cross; split apart, the locked domain refuses
// a write the available one accepts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@dscs/test-support'
import { afterAll, describe, expect, it } from 'vitest'
import { start, type JsonEvent, type Running } from './spawn.js'

// Bounds against hangs, not timings: two node processes on a loaded 2-core machine, and SWIM declaring a peer down.
const TEST_BOUND_MS = 180_000
const WAIT_BOUND_MS = 90_000

const CONFIG = {
  transports: ['tcp'],
  layers: { chunks: false },
  domains: {
    ledger: { trust: 'signatures', partition: 'locked' },
    scratch: { trust: 'none', partition: 'available' }
  }
}

type Views = Record<'predicted' | 'confirmed', { counters: Record<string, number> }>

const dir = await mkdtemp(join(tmpdir(), 'dscs-domains-'))
const running: Running[] = []
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM')
  await Promise.all(running.map((r) => r.exit))
  await rm(dir, { recursive: true, force: true })
})

async function node(name: string, ...flags: string[]) {
  const run = start(['node', '--data', join(dir, name), '--config', join(dir, 'dscs.config.json'), '--json', ...flags], TEST_BOUND_MS * 2, { stdin: true })
  running.push(run)
  const ready = await run.next('ready')
  return { run, ready, address: (ready.multiaddrs as string[])[0]!, peerId: ready.peerId as string, publicKey: ready.publicKey as string }
}

/** The latest views of `domain` the process printed. */
const views = (run: Running, domain: string): Views | undefined => run.events.findLast((e) => e.event === 'state-change' && e.domain === domain)?.state as Views | undefined

/** Types `line`, then resolves with its answer: `written`, or `state-failed`. */
async function write(run: Running, line: string): Promise<JsonEvent> {
  const from = run.events.length
  run.send(line)
  return await run.until((e) => run.events.indexOf(e) >= from && (e.event === 'written' || e.event === 'state-failed'), `the answer to ${line}`)
}

describe('dscs node with two state domains', () => {
  it(
    'runs each in its own trust mode and policy: writes converge and stay apart; split, locked refuses what available accepts',
    async () => {
      await writeFile(join(dir, 'dscs.config.json'), JSON.stringify({ ...CONFIG, api: { port: 0 } }))
      const a = await node('a')
      const { url } = (await a.run.next('api')) as unknown as { url: string }
      await writeFile(join(dir, 'dscs.config.json'), JSON.stringify(CONFIG))
      const b = await node('b', '--join', a.address)
      await b.run.next('peer:connect')
      // Signatures: each trusts the other's ops (in every domain whose mode has authors: the ledger).
      a.run.send(`/allow ${b.publicKey}`)
      b.run.send(`/allow ${a.publicKey}`)

      // Writes without a domain go to the first (ledger); `@scratch` names the other.
      expect(await write(a.run, '/add apples 2')).toMatchObject({ event: 'written', domain: 'ledger' })
      expect(await write(a.run, '/add @scratch pears 5')).toMatchObject({ event: 'written', domain: 'scratch' })
      expect(await write(b.run, '/add @scratch pears 1')).toMatchObject({ event: 'written', domain: 'scratch' })
      expect(await write(b.run, '/add @ledger plums 3')).toMatchObject({ event: 'written', domain: 'ledger' })
      expect(await write(b.run, '/add @nowhere pears 1')).toMatchObject({ event: 'state-failed', code: 'UNKNOWN_DOMAIN' })

      const holds = (run: Running, domain: string, counters: Record<string, number>): boolean => {
        const state = views(run, domain)
        return JSON.stringify(state?.confirmed.counters) === JSON.stringify(counters) && JSON.stringify(state?.predicted.counters) === JSON.stringify(counters)
      }
      await waitFor(
        () => [a, b].every(({ run }) => holds(run, 'ledger', { apples: 2, plums: 3 }) && holds(run, 'scratch', { pears: 6 })),
        'both processes to confirm both domains, each with its own ops only',
        WAIT_BOUND_MS
      )

      // The API and the metrics show every domain.
      const state = (await (await fetch(`${url}api/state`)).json()) as { domains: { name: string; confirmed: Record<string, unknown> }[] }
      expect(state.domains.map((d) => [d.name, d.confirmed])).toEqual([
        ['ledger', { 'counters.apples': 2, 'counters.plums': 3, note: '', lines: 0 }],
        ['scratch', { 'counters.pears': 6, note: '', lines: 0 }]
      ])
      const trust = (await (await fetch(`${url}api/trust`)).json()) as { domains: { name: string; mode: string }[] }
      expect(trust.domains.map((d) => [d.name, d.mode])).toEqual([
        ['ledger', 'signatures'],
        ['scratch', 'none']
      ])
      const partitions = (await (await fetch(`${url}api/partitions`)).json()) as { policies: Record<string, string> }
      expect(partitions.policies).toEqual({ ledger: 'locked', scratch: 'available' })
      const metrics = await (await fetch(`${url}metrics`)).text()
      expect(metrics).toMatch(/dscs_state_changes_total\{domain="ledger"\} [1-9]/)
      expect(metrics).toMatch(/dscs_state_changes_total\{domain="scratch"\} [1-9]/)

      // Split: each is 1 of 2 members, a minority. The locked ledger refuses; the available scratch accepts.
      await waitFor(() => [a, b].every(({ run }) => run.events.findLast((e) => e.event === 'partition')?.known === 2), 'each to count the other as a member', WAIT_BOUND_MS)
      a.run.send(`/block ${b.peerId}`)
      b.run.send(`/block ${a.peerId}`)
      await waitFor(() => a.run.events.findLast((e) => e.event === 'partition')?.majority === false, 'a to see itself in a minority', WAIT_BOUND_MS)
      expect(await write(a.run, '/add apples 1')).toMatchObject({ event: 'state-failed', domain: 'ledger', code: 'MINORITY_LOCKED' })
      expect(await write(a.run, '/add @scratch pears 1')).toMatchObject({ event: 'written', domain: 'scratch', tentative: false })
      expect(views(a.run, 'ledger')?.predicted.counters).toEqual({ apples: 2, plums: 3 })
    },
    TEST_BOUND_MS
  )
})
