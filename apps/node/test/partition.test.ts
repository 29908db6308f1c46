// Five real `dscs node --state` processes, split 3/2 and healed: each side knows which side it is on, both keep
// writing (policy `available`), and after the heal all five hold one state with every acknowledged write.
// Cut first by the nodes themselves (`/block` on loopback), then, as root, in the kernel: one network namespace per
// process, the split made by packet filters between them.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { add, since, startCluster, stopCluster, text, waitForComponents, waitForConvergence, type ClusterNode } from './cluster.js'
import { netnsLab, type NetnsLab } from './netns.js'
import type { Running } from './spawn.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-partition-'))
const running: Running[] = []
let lab: NetnsLab | undefined
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL')
  await Promise.all(running.map((r) => r.exit))
  await lab?.destroy()
  await rm(dir, { recursive: true, force: true })
})

/**
 * The scenario on a running cluster: writes before the split; the split by `cut`; writes on both sides, each
 * acknowledged; the heal by `mend`; then every node must hold every acknowledged write, and one identical state.
 */
async function splitWriteHeal(nodes: ClusterNode[], cut: (sides: ClusterNode[][]) => Promise<void>, mend: (sides: ClusterNode[][]) => Promise<void>): Promise<void> {
  const counters: Record<string, number> = {}
  const lines: string[] = []
  const written = async (node: ClusterNode, counter: string, by: number): Promise<void> => {
    const answer = await add(node, counter, by)
    expect(answer).toMatchObject({ event: 'written', tentative: false })
    counters[counter] = (counters[counter] ?? 0) + by
  }
  for (const node of nodes) await written(node, 'before', node.index + 1)

  const majority = nodes.slice(0, 3)
  const minority = nodes.slice(3)
  await cut([majority, minority])
  await waitForComponents(nodes, [majority, minority], 'each side to see only itself: 3 of 5 a majority, 2 of 5 a minority')

  // Policy `available`: both sides keep accepting writes.
  for (const node of nodes) {
    const side = node.index < 3 ? 'majority' : 'minority'
    await written(node, `${side}-${node.index}`, 10 * (node.index + 1))
    await written(node, 'both', 100)
    await text(node, `line from node ${node.index}, ${side}`)
    lines.push(`line from node ${node.index}, ${side}`)
  }
  const marks = nodes.map((node) => node.run.events.length)

  await mend([majority, minority])
  await waitForComponents(nodes, [nodes], 'the five to be one majority again')
  for (const node of nodes) {
    // Each node healed with the other side: every layer reconciled with members that came back. (Not necessarily
    // all of them here: on a loaded machine a member can flap back into a view before the heal, by gossip.)
    const others = (node.index < 3 ? minority : majority).map((n) => n.peerId)
    const healed = since(node, marks[node.index]!, 'heal').flatMap((heal) => heal.rejoined as string[])
    expect(healed.some((peer) => others.includes(peer))).toBe(true)
    expect(since(node, marks[node.index]!, 'heal').every((heal) => (heal.failed as unknown[]).length === 0)).toBe(true)
  }
  const state = await waitForConvergence(nodes, counters, lines)
  expect(state.predicted.counters.both).toBe(500)
}

/** Both ends of every link between the two sides hang up and refuse the other (`/block`), or take it back (`/unblock`). */
async function blockAcross([a, b]: ClusterNode[][], command: '/block' | '/unblock'): Promise<void> {
  const done = command === '/block' ? 'blocked' : 'unblocked'
  for (const [from, to] of [...a!.flatMap((x) => b!.map((y) => [x, y] as const)), ...b!.flatMap((y) => a!.map((x) => [y, x] as const))]) {
    const mark = from.run.events.length
    from.run.send(`${command} ${to.peerId}`)
    await from.run.until((e) => e.event === done && e.peer === to.peerId && from.run.events.indexOf(e) >= mark, `${command} node ${to.index} on node ${from.index}`)
  }
}

const support = await netnsLab.support()
if (!support.ok) console.log(`skipping the network-namespace partition test: ${support.reason}`)

describe('5 dscs node processes, partitioned and healed', () => {
  it('on loopback, split 3/2 by /block: each side knows its side, both write; after /unblock all converge, no acknowledged write lost', async () => {
    const nodes = await startCluster({ count: 5, dir: join(dir, 'loopback'), listen: () => '/ip4/127.0.0.1/tcp/0', running })
    await splitWriteHeal(
      nodes,
      (sides) => blockAcross(sides, '/block'),
      (sides) => blockAcross(sides, '/unblock')
    )
    // While blocked, the majority saw the minority go down, not just suspected.
    for (const node of nodes.slice(0, 3)) {
      const down = node.run.events.filter((e) => e.event === 'member' && e.state === 'down').map((e) => e.peer)
      expect(down).toEqual(expect.arrayContaining(nodes.slice(3).map((n) => n.peerId)))
    }
    await stopCluster(nodes)
  }, 300_000)

  it('on loopback, a minority node under `locked` refuses writes, one under `tentative` holds them pending until the heal confirms them', async () => {
    // A policy is each node's own rule for its writes: one cluster shows both minority behaviours.
    const policy = (i: number): 'available' | 'locked' | 'tentative' => (i === 3 ? 'locked' : i === 4 ? 'tentative' : 'available')
    const nodes = await startCluster({ count: 5, dir: join(dir, 'policies'), listen: () => '/ip4/127.0.0.1/tcp/0', policy, running })
    const [locked, tentative] = [nodes[3]!, nodes[4]!]
    const majority = nodes.slice(0, 3)
    await blockAcross([majority, [locked, tentative]], '/block')
    await waitForComponents(nodes, [majority, [locked, tentative]], 'the split')

    expect(await add(locked, 'locked', 1)).toMatchObject({ event: 'state-failed', code: 'MINORITY_LOCKED' })
    expect(await add(tentative, 'tentative', 7)).toMatchObject({ event: 'written', tentative: true })
    expect(await add(nodes[0]!, 'majority', 3)).toMatchObject({ event: 'written', tentative: false })
    // Held: in the tentative node's predicted view, not yet in its confirmed one.
    const views = tentative.run.events.findLast((e) => e.event === 'state-change')!.state as { predicted: { counters: object }; confirmed: { counters: object } }
    expect(views.predicted.counters).toEqual({ tentative: 7 })
    expect(views.confirmed.counters).toEqual({})
    const mark = tentative.run.events.length

    await blockAcross([majority, [locked, tentative]], '/unblock')
    await waitForComponents(nodes, [nodes], 'the heal')
    const reconfirmed = since(tentative, mark, 'heal').flatMap((heal) => heal.layers as { layer: string; diverged: number }[]).filter((l) => l.layer === 'tentative demo')
    expect(reconfirmed.reduce((sum, l) => sum + l.diverged, 0)).toBeGreaterThanOrEqual(1)
    // The refused write is nowhere; the tentative one is confirmed everywhere.
    await waitForConvergence(nodes, { majority: 3, tentative: 7 }, [])
    await stopCluster(nodes)
  }, 300_000)

  it.runIf(support.ok)(
    `in one network namespace per process, split 3/2 in the kernel (${support.ok ? support.method : 'n/a'}): the same, healed by lifting the filter`,
    async () => {
      lab = await netnsLab.create(5)
      console.log(`network namespaces ${lab.namespaces.join(', ')}; partition by ${lab.method}`)
      const nodes = await startCluster({
        count: 5,
        dir: join(dir, 'netns'),
        listen: (i) => `/ip4/${lab!.address(i)}/tcp/0`,
        wrapper: (i) => ['ip', 'netns', 'exec', lab!.namespaces[i]!],
        running
      })
      await splitWriteHeal(
        nodes,
        async ([a, b]) => lab!.split(a!.map((n) => n.index), b!.map((n) => n.index)),
        async () => lab!.heal()
      )
      await stopCluster(nodes)
    },
    300_000
  )
})
