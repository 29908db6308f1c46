// A cluster of real `dscs node --state` processes, driven through their standard input and read through their
// JSON events: what the partition tests (loopback, and one network namespace per process) share.
import { join } from 'node:path'
import { waitFor } from '@dscs/test-support'
import { expect } from 'vitest'
import { start, type JsonEvent, type Running } from './spawn.js'

export interface ClusterNode {
  readonly index: number
  readonly run: Running
  readonly peerId: string
  readonly publicKey: string
  /** Its TCP multiaddr, with `/p2p/`. */
  readonly address: string
}

export interface ClusterOptions {
  readonly count: number
  /** Under it, one data directory per node. */
  readonly dir: string
  /** The multiaddr node `i` listens on. */
  readonly listen: (index: number) => string
  /** The command node `i` runs under (e.g. `ip netns exec …`); none by default. */
  readonly wrapper?: (index: number) => readonly string[]
  /** Node `i`'s `--partition-policy`; default `available`. */
  readonly policy?: (index: number) => 'available' | 'locked' | 'tentative'
  /** Every running process, so the test can kill what is left whatever happens. */
  readonly running: Running[]
  /** `mesh` (default): every node dials every other; `star`: each dials node 0 only, and learns of the others through it. */
  readonly topology?: 'mesh' | 'star'
}

// Generous: a loaded CI machine, and TCP's retransmission back-off after a partition of dropped packets.
const WAIT_MS = 90_000

const latest = (node: ClusterNode, name: string): JsonEvent | undefined => node.run.events.findLast((event) => event.event === name)

/** Starts the nodes, connects every pair, makes each trust every other's ops, and waits until all see all as members. */
export async function startCluster(options: ClusterOptions): Promise<ClusterNode[]> {
  const runs = Array.from({ length: options.count }, (_, i) => {
    const args = ['node', '--data', join(options.dir, `node-${i}`), '--listen', options.listen(i), '--transports', 'tcp', '--state', '--json']
    const run = start([...args, '--partition-policy', options.policy?.(i) ?? 'available'], 600_000, { stdin: true, wrapper: options.wrapper?.(i) ?? [] })
    options.running.push(run)
    return run
  })
  const nodes = await Promise.all(
    runs.map(async (run, index): Promise<ClusterNode> => {
      const ready = await run.next('ready')
      const address = (ready.multiaddrs as string[]).find((a) => a.includes('/tcp/') && !a.includes('/ws'))!
      return { index, run, peerId: ready.peerId as string, publicKey: ready.publicKey as string, address }
    })
  )
  for (const node of nodes) {
    const dials = options.topology === 'star' ? nodes.slice(0, Math.min(1, node.index)) : nodes.slice(0, node.index)
    for (const other of dials) node.run.send(`/join ${other.address}`)
    for (const other of nodes) if (other !== node) node.run.send(`/allow ${other.publicKey}`)
  }
  await waitForComponents(nodes, [nodes], 'every node to count all as members of one majority')
  return nodes
}

/** Waits until each node's latest partition view is its group: exactly those members, a majority or not. */
export async function waitForComponents(nodes: readonly ClusterNode[], groups: readonly (readonly ClusterNode[])[], what: string): Promise<void> {
  await waitFor(
    () =>
      groups.every((group) => {
        const component = group.map((node) => node.peerId).sort()
        const majority = 2 * group.length > nodes.length
        return group.every((node) => {
          const view = latest(node, 'partition')
          return view?.known === nodes.length && view.majority === majority && JSON.stringify(view.component) === JSON.stringify(component)
        })
      }),
    what,
    WAIT_MS
  )
}

/** `/add <counter> <by>` on `node`; resolves with the acknowledgement (`written`), or the refusal (`state-failed`). */
export async function add(node: ClusterNode, counter: string, by: number): Promise<JsonEvent> {
  const from = node.run.events.length
  node.run.send(`/add ${counter} ${by}`)
  const answered = (event: JsonEvent, index: number): boolean =>
    index >= from && ((event.event === 'written' && (event.payload as { counter?: string }).counter === counter) || event.event === 'state-failed')
  await waitFor(() => node.run.events.some(answered), `node ${node.index} to answer /add ${counter}`, WAIT_MS)
  return node.run.events.find(answered)!
}

/** `/text <line>` on `node`, acknowledged. */
export async function text(node: ClusterNode, line: string): Promise<void> {
  const from = node.run.events.length
  node.run.send(`/text ${line}`)
  await waitFor(() => node.run.events.slice(from).some((e) => e.event === 'written' && (e.payload as { line?: string }).line === line), `node ${node.index} to write "${line}"`, WAIT_MS)
}

type Views = Record<'predicted' | 'confirmed', { counters: Record<string, number>; note: string }> & { text: string }

/**
 * Waits until every node holds `counters` in both views (so no acknowledged write is lost and none counted twice)
 * and every line of `lines` in the shared text; then asks each for its `/state` and checks all are identical.
 */
export async function waitForConvergence(nodes: readonly ClusterNode[], counters: Record<string, number>, lines: readonly string[]): Promise<Views> {
  const expected = JSON.stringify(Object.fromEntries(Object.entries(counters).sort(([a], [b]) => a.localeCompare(b))))
  const holds = (node: ClusterNode): boolean => {
    const state = latest(node, 'state-change')?.state as Views | undefined
    return (
      state !== undefined &&
      JSON.stringify(state.predicted.counters) === expected &&
      JSON.stringify(state.confirmed.counters) === expected &&
      lines.every((line) => state.text.split('\n').includes(line))
    )
  }
  await waitFor(() => nodes.every(holds), 'every node to hold every acknowledged write', WAIT_MS)
  const states = await Promise.all(
    nodes.map(async (node) => {
      const from = node.run.events.length
      node.run.send('/state')
      await waitFor(() => node.run.events.slice(from).some((e) => e.event === 'state'), `node ${node.index}'s /state`, WAIT_MS)
      return node.run.events.slice(from).find((e) => e.event === 'state')!.state as Views
    })
  )
  // The note is last-writer-wins and the text a Yjs merge: any order, but one and the same everywhere.
  for (const state of states) expect(state).toEqual(states[0])
  return states[0]!
}

/** The events named `name` that `node` printed since `from`. */
export const since = (node: ClusterNode, from: number, name: string): JsonEvent[] => node.run.events.slice(from).filter((e) => e.event === name)

/** Stops every node with SIGTERM and checks each stopped cleanly. */
export async function stopCluster(nodes: readonly ClusterNode[]): Promise<void> {
  for (const node of nodes) node.run.child.kill('SIGTERM')
  const codes = await Promise.all(nodes.map((node) => node.run.exit))
  expect(codes).toEqual(nodes.map(() => 0))
}
