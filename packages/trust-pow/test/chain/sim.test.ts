// The chain on @dscs/netsim: a 7/3 partition mines two branches, the heal makes every node take the heavier one,
// and frp-state, with the chain's TrustPolicy plugged in, confirms and nullifies ops as the chain decides.
import { describe, expect, it } from 'vitest'
import { identityFromSeed, VerificationCache } from '@dscs/identity'
import { Simulation, type SimNode, type SimPeer } from '@dscs/netsim'
import { FrpStateCore, StateGraph, compareOps, jsonCodec, type FrpStateEvent, type Op } from '@dscs/frp-state'
import { CoreDriver } from '@dscs/net'
import type { ChainEvent } from '../../src/chain/core.js'
import { ChainService } from '../../src/chain/service.js'
import { NODE, SimMiner, TEST_POW_LIMIT } from './helpers.js'

const EPOCH = 1_700_000_000_000
const K = 3
const HEAVY = 7
const PARTITION_AT = 6_000
const HEAL_AT = 36_000
const CALM_AT = 50_000
const END = 75_000

interface Entry {
  readonly key: string
  readonly value: number
}
const isEntry = (v: unknown): v is Entry => typeof (v as Entry)?.key === 'string' && Number.isSafeInteger((v as Entry).value)
const KEYS = ['a', 'b', 'c']
const fold = (previous: number, value: number): number => (previous * 31 + value) % 1_000_003

function app(peer: SimPeer, index: number, requeueNullified: boolean) {
  const miner = new SimMiner(peer, 16_000)
  const verificationCache = new VerificationCache()
  const components = { net: peer.net, identity: NODE, clock: peer.clock, timers: peer.timers, store: peer.store, verificationCache }
  const chain = new ChainService(components, {
    network: 'sim',
    powLimit: TEST_POW_LIMIT,
    genesisTimestamp: EPOCH,
    blockInterval: 1_600,
    retargetInterval: 16,
    requeueNullified,
    miner
  })
  const events: { at: number; event: ChainEvent }[] = []
  chain.onEvent((event) => event.type !== 'corrupt' && events.push({ at: peer.clock.now() - EPOCH, event }))
  const graph = new StateGraph<Entry>()
  const folds = graph.reducer<number>({ name: 'folds', key: (op) => op.payload.key, reduce: (n, op) => fold(n, op.payload.value), initial: 1 })
  const trust = chain.trustPolicy({ confirmations: K })
  const frp = new FrpStateCore<Entry>({
    graph,
    codec: jsonCodec(isEntry),
    trust,
    identity: identityFromSeed(new Uint8Array(32).fill(index + 1)),
    self: peer.id,
    verificationCache,
    horizon: 3_600_000,
    syncInterval: 2_000
  })
  const frpDriver = new CoreDriver<FrpStateEvent<Entry>>({
    core: frp,
    net: peer.net,
    clock: peer.clock,
    timers: peer.timers,
    protocols: [frp.protocol],
    topics: [frp.topic],
    onEvent: () => {}
  })
  // The policy speaks between calls: its decisions' events are applied as soon as it does, as FrpStateService does.
  trust.onStatusChange(() => frpDriver.apply(frp.takeSettled()))
  frpDriver.start()
  void chain.start().then(() => (chain.afterStart(), chain.startMining()))
  const ops: Op<Entry>[] = []
  const submit = (entry: Entry): void => {
    const { op, effects } = frp.submit(entry, peer.clock.now())
    frpDriver.apply(effects)
    ops.push(op)
    chain.submit(op.envelope)
  }
  return { chain, miner, graph, folds, events, ops, submit }
}
type App = ReturnType<typeof app>

function replay(ops: readonly Op<Entry>[]): Record<string, number> {
  const values = Object.fromEntries(KEYS.map((k) => [k, 1]))
  for (const op of [...ops].sort(compareOps)) values[op.payload.key] = fold(values[op.payload.key]!, op.payload.value)
  return values
}

/** Every transaction on `chain`'s best chain, by id. */
function minedTxs(chain: ChainService): Set<string> {
  return new Set(chain.core.bestChain().flatMap((id) => chain.core.transactionsOf(id) ?? []))
}

describe('the chain in the simulator', () => {
  it.each([
    { requeueNullified: false, what: 'nullification is final' },
    { requeueNullified: true, what: 'nullified transactions are mined again and their ops confirmed again' }
  ])('after a 7/3 partition heals, every node takes the heavier chain, the lighter side reports its nullified transactions, and frp-state follows ($what)', async ({ requeueNullified }) => {
    const sim = new Simulation({ seed: 7, link: { latencyMs: 20, jitterMs: 10 } })
    const nodes: SimNode<App>[] = sim.addPeers(10, (peer) => app(peer, Number(peer.id.replace(/\D/g, '')), requeueNullified), { connect: 'all' })
    const live = (node: SimNode<App>): App => node.app!
    let value = 0
    // Ops before, during and after the partition, from both sides.
    for (let i = 0, at = 2_000; at < 44_000; i++, at += 1_500) {
      const node = nodes[i % nodes.length]!
      sim.at(at, () => live(node).submit({ key: KEYS[value % KEYS.length]!, value: value++ }))
    }
    sim.at(PARTITION_AT, () => sim.partition([nodes.slice(0, HEAVY), nodes.slice(HEAVY)]))
    const beforeHeal = new Map<number, Set<string>>()
    sim.at(HEAL_AT - 1, () => nodes.forEach((node) => beforeHeal.set(node.index, minedTxs(live(node).chain))))
    const sides = { heavy: 0n, light: 0n }
    sim.at(HEAL_AT - 1, () => {
      sides.heavy = live(nodes[0]!).chain.tip.work
      sides.light = live(nodes[HEAVY]!).chain.tip.work
    })
    sim.at(HEAL_AT, () => sim.heal())
    // Then one node mines alone and fast, so no tie can leave two tips, and every op gets K deep.
    sim.at(CALM_AT, () => {
      nodes.slice(1).forEach((node) => live(node).chain.stopMining())
      live(nodes[0]!).miner.meanMs = 400
    })
    sim.at(CALM_AT + 12_000, () => live(nodes[0]!).chain.stopMining())
    await sim.run({ until: END })

    expect(sides.heavy).toBeGreaterThan(sides.light)
    const final = live(nodes[0]!).chain
    const mined = minedTxs(final)
    for (const node of nodes) expect(live(node).chain.tip).toEqual(final.tip)

    // The nullified transactions: on a node's best chain at the heal and not on the winning chain, each reported once.
    // Requeued ones may be mined again, so then the reports are those of the heal's chain, checked against the end.
    const ops = nodes.flatMap((node) => live(node).ops)
    const deep = ops.filter((op) => (final.confirmations(op.key) ?? 0) >= K)
    const lightNullified: string[][] = []
    for (const node of nodes) {
      const reported = live(node)
        .events.filter(({ at, event }) => at >= HEAL_AT && event.type === 'reorg')
        .flatMap(({ event }) => (event.type === 'reorg' ? event.nullified : []))
      const expected = [...beforeHeal.get(node.index)!].filter((id) => !mined.has(id))
      if (requeueNullified) expect(reported.every((id) => beforeHeal.get(node.index)!.has(id))).toBe(true)
      else expect(reported.sort()).toEqual(expected.sort())
      if (node.index >= HEAVY) lightNullified.push(reported)
    }
    expect(lightNullified.every((set) => set.length > 0)).toBe(true)
    expect(deep.length).toBeGreaterThan(0)
    // Final nullification leaves the light side's ops out; requeued, every nullified one is mined again and ends deep.
    if (requeueNullified) expect(lightNullified.flat().every((id) => (final.confirmations(id) ?? 0) >= K)).toBe(true)
    else expect(deep.length).toBeLessThan(ops.length)

    // frp-state's confirmed view on every node: exactly the ops whose transactions are K deep on the winning chain.
    for (const node of nodes) {
      const { graph, folds } = live(node)
      expect(Object.fromEntries(KEYS.map((k) => [k, graph.get('confirmed', folds, k)]))).toEqual(replay(deep))
    }
  }, 120_000)
})
