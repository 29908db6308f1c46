// `dscs node --state --trust <mode>` as separate processes: what confirms an op in each trust mode, for real.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '@dscs/test-support'
import { start, type JsonEvent, type Running } from './spawn.js'

// Bounds against hangs, not timings: node processes start (and mine) on a loaded 2-core machine.
const TEST_BOUND_MS = 120_000
const WAIT_BOUND_MS = 60_000

interface Confirmed {
  confirmed: { counters: Record<string, number> }
}

describe('trust modes of the reference node', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function run(...args: string[]): Promise<Running & { ready: JsonEvent; type(line: string): void }> {
    const data = await mkdtemp(join(tmpdir(), 'dscs-trust-'))
    const running = start([...args, '--data', data, '--transports', 'tcp', '--json'], TEST_BOUND_MS, { stdin: true })
    cleanups.push(async () => {
      running.child.kill('SIGTERM')
      await running.exit
      await rm(data, { recursive: true, force: true })
    })
    return { ...running, ready: await running.next('ready'), type: (line) => running.child.stdin!.write(`${line}\n`) }
  }

  const address = (node: { ready: JsonEvent }): string => (node.ready.multiaddrs as string[])[0]!
  /** The latest confirmed value of `counter` the node printed. */
  const confirmed = (node: Running, counter: string): number | undefined =>
    node.events.findLast((e) => e.event === 'state-change')?.state === undefined ? undefined : (node.events.findLast((e) => e.event === 'state-change')!.state as Confirmed).confirmed.counters[counter]
  const predicted = (node: Running, counter: string): number | undefined =>
    (node.events.findLast((e) => e.event === 'state-change')?.state as { predicted: { counters: Record<string, number> } } | undefined)?.predicted.counters[counter]

  async function pair(...flags: string[]) {
    const a = await run('node', '--state', ...flags)
    const b = await run('node', '--state', ...flags, '--join', address(a))
    await b.next('peer:connect')
    return { a, b }
  }

  /** `a` adds 3 apples: both predict it at once, then both confirm it as the mode decides. */
  async function addAndConfirm(a: Running & { type(line: string): void }, b: Running): Promise<void> {
    a.type('/add apples 3')
    await waitFor(() => predicted(a, 'apples') === 3, 'the prediction at a', WAIT_BOUND_MS)
    await waitFor(() => confirmed(a, 'apples') === 3 && confirmed(b, 'apples') === 3, 'both to confirm', WAIT_BOUND_MS)
  }

  it(
    'none: an op is confirmed as soon as it is verified',
    async () => {
      const { a, b } = await pair('--trust', 'none')
      await addAndConfirm(a, b)
    },
    TEST_BOUND_MS
  )

  it(
    'proof-of-work: an op is confirmed once its transaction is two blocks deep on the chain the nodes mine',
    async () => {
      const { a, b } = await pair('--trust', 'proof-of-work')
      a.type('/add apples 3')
      // The op is predicted at once, and confirmed only after blocks were mined over it.
      await waitFor(() => predicted(a, 'apples') === 3, 'the prediction at a', WAIT_BOUND_MS)
      expect(confirmed(a, 'apples')).toBeUndefined()
      await waitFor(() => confirmed(a, 'apples') === 3 && confirmed(b, 'apples') === 3, 'both to confirm', WAIT_BOUND_MS)
    },
    TEST_BOUND_MS
  )

  it(
    'web of trust: an op is confirmed once observers the node trusts attest a checkpoint listing it',
    async () => {
      const { a, b } = await pair('--trust', 'web-of-trust')
      a.type(`/allow ${b.ready.publicKey as string}`)
      b.type(`/allow ${a.ready.publicKey as string}`)
      await addAndConfirm(a, b)
    },
    TEST_BOUND_MS
  )

  it(
    'observer: an op is confirmed once the observer has logged it under a tree head the node verified',
    async () => {
      const observer = await run('observer', '--batch-interval', '50')
      const { a, b } = await pair('--trust', 'observer', '--observer', observer.ready.peerId as string, '--join', address(observer))
      await addAndConfirm(a, b)
    },
    TEST_BOUND_MS
  )
})
