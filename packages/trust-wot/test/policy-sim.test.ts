// The web-of-trust TrustPolicy under frp-state on @dscs/netsim: a partition leaves one side with one observer,
// whose trust is below the threshold. That side's ops stay pending through the partition; after the heal they are
// nullified everywhere, or, in a split domain, kept as that side's own history, and frp-state's views follow.
import { describe, expect, it } from 'vitest'
import { VerificationCache } from '@dscs/identity'
import { CoreDriver } from '@dscs/net'
import { Simulation, type SimNode, type SimPeer } from '@dscs/netsim'
import { FrpStateCore, StateGraph, compareOps, jsonCodec, type FrpStateEvent, type Op } from '@dscs/frp-state'
import { TrustWotService, type TrustWotServiceEvent } from '../src/index.js'
import { person } from './helpers.js'

const EPOCH = 1_700_000_000_000
const DAY = 86_400_000
const PEERS = 10
/** Side A holds nodes 0-5, with observers 0, 1 and 2; side B nodes 6-9, with observer 6. */
const SIDE_A = [0, 1, 2, 3, 4, 5]
const OBSERVERS = [0, 1, 2, 6]
const PARTITION_AT = 10_000
const HEAL_AT = 20_000
const END = 40_000
const DOMAIN = 'default'

interface Entry {
  readonly key: string
  readonly value: number
}
const isEntry = (v: unknown): v is Entry => typeof (v as Entry)?.key === 'string' && Number.isSafeInteger((v as Entry).value)
const KEYS = ['a', 'b', 'c']
// Not commutative: an op folded out of order shows.
const fold = (previous: number, value: number): number => (previous * 31 + value) % 1_000_003
const identity = (index: number) => person(70 + index)

function app(peer: SimPeer, onLowTrust: 'nullify' | 'split') {
  const index = Number(peer.id.replace(/\D/g, ''))
  const verificationCache = new VerificationCache()
  const wot = new TrustWotService({ net: peer.net, identity: identity(index), clock: peer.clock, timers: peer.timers, store: peer.store, verificationCache })
  // Everyone trusts each observer (but itself) at level 25: 0.125 each. Confirming takes 0.25: two observers agreeing.
  const policy = wot.trustPolicy({ domains: { [DOMAIN]: { threshold: 0.25, onLowTrust } }, interval: 1_000, lag: 500, observe: OBSERVERS.includes(index) })
  const evidence: TrustWotServiceEvent[] = []
  wot.onEvent((event) => event.type === 'evidence' && evidence.push(event))
  const graph = new StateGraph<Entry>()
  const folds = graph.reducer<number>({ name: 'folds', key: (op) => op.payload.key, reduce: (n, op) => fold(n, op.payload.value), initial: 1 })
  const frp = new FrpStateCore<Entry>({ graph, codec: jsonCodec(isEntry), trust: policy, identity: identity(index), self: peer.id, verificationCache, horizon: 3_600_000, syncInterval: 1_000 })
  const frpDriver = new CoreDriver<FrpStateEvent<Entry>>({ core: frp, net: peer.net, clock: peer.clock, timers: peer.timers, protocols: [frp.protocol], topics: [frp.topic], onEvent: () => {} })
  // The policy speaks between frp-state's calls: its decisions' events are applied as soon as it does.
  policy.onStatusChange(() => frpDriver.apply(frp.takeSettled()))
  frpDriver.start()
  void wot.start().then(() => {
    wot.afterStart()
    for (const observer of OBSERVERS) if (observer !== index) void wot.trust(identity(observer).publicKey, { level: 25, expires: EPOCH + DAY })
  })
  const ops: Op<Entry>[] = []
  const submit = (entry: Entry): void => {
    const { op, effects } = frp.submit(entry, peer.clock.now())
    frpDriver.apply(effects)
    ops.push(op)
  }
  return { index, wot, policy, frp, graph, folds, ops, submit, evidence }
}
type App = ReturnType<typeof app>

function replay(ops: readonly Op<Entry>[]): Record<string, number> {
  const values = Object.fromEntries(KEYS.map((k) => [k, 1]))
  for (const op of [...ops].sort(compareOps)) values[op.payload.key] = fold(values[op.payload.key]!, op.payload.value)
  return values
}

const view = (node: App, which: 'predicted' | 'confirmed') => Object.fromEntries(KEYS.map((k) => [k, node.graph.get(which, node.folds, k)]))

async function scenario(onLowTrust: 'nullify' | 'split') {
  const sim = new Simulation({ seed: 11, link: { latencyMs: 20, jitterMs: 10 } })
  const nodes: SimNode<App>[] = sim.addPeers(PEERS, (peer) => app(peer, onLowTrust), { connect: 'all' })
  const live = (node: SimNode<App>): App => node.app!
  const sideB = nodes.filter((node) => !SIDE_A.includes(node.index))
  // Ops from every node before, during and after the partition, none within 1.5 s of its start or end.
  const partitionOps: Op<Entry>[] = []
  let value = 0
  for (let i = 0, at = 3_000; at < 30_000; i++, at += 230) {
    if (Math.abs(at - PARTITION_AT) < 1_500 || Math.abs(at - HEAL_AT) < 1_500) continue
    const node = nodes[i % PEERS]!
    const inPartition = at > PARTITION_AT && at < HEAL_AT && !SIDE_A.includes(node.index)
    sim.at(at, () => {
      live(node).submit({ key: KEYS[value % KEYS.length]!, value: value++ })
      if (inPartition) partitionOps.push(live(node).ops.at(-1)!)
    })
  }
  sim.at(PARTITION_AT, () => sim.partition([nodes.filter((node) => SIDE_A.includes(node.index)), sideB]))
  const during: { available: number[]; pending: boolean[]; confirmedWithout: boolean[] } = { available: [], pending: [], confirmedWithout: [] }
  sim.at(HEAL_AT - 500, () => {
    for (const node of nodes) during.available[node.index] = live(node).policy.available(DOMAIN, EPOCH + HEAL_AT - 500)
    for (const node of sideB) {
      const held = partitionOps.map((op) => live(node).frp.log.get(op.key)?.status)
      during.pending[node.index] = held.length > 0 && held.every((status) => status === 'pending')
    }
  })
  sim.at(HEAL_AT, () => sim.heal())
  await sim.run({ until: END })
  const all = nodes.flatMap((node) => live(node).ops)
  return { nodes: nodes.map(live), all, partitionOps, during }
}

describe('the web-of-trust policy under frp-state, in the simulator', () => {
  it.each(['nullify', 'split'] as const)(
    'keeps the ops of a side without enough observers pending through a partition, then handles them as configured: %s',
    async (onLowTrust) => {
      const { nodes, all, partitionOps, during } = await scenario(onLowTrust)
      expect(partitionOps.length).toBeGreaterThan(10)
      // During the partition: side A has the trust of its observers, side B only one observer's, below the threshold.
      for (const node of nodes) {
        if (SIDE_A.includes(node.index)) expect(during.available[node.index], `node ${node.index}`).toBeGreaterThanOrEqual(0.25)
        else expect(during.available[node.index], `node ${node.index}`).toBeLessThan(0.25)
      }
      for (const node of nodes) if (!SIDE_A.includes(node.index)) expect(during.pending[node.index], `node ${node.index}: B's ops pending`).toBe(true)

      // After the heal, everything is settled and every node derives what a replay of its history derives.
      const main = replay(all.filter((op) => !partitionOps.includes(op)))
      const everything = replay(all)
      expect(main).not.toEqual(everything)
      for (const node of nodes) {
        expect(node.policy.pending, `node ${node.index}`).toBe(0)
        const history = onLowTrust === 'split' && !SIDE_A.includes(node.index) ? everything : main
        expect(view(node, 'confirmed'), `node ${node.index} confirmed`).toEqual(history)
        expect(view(node, 'predicted'), `node ${node.index} predicted`).toEqual(history)
      }
      if (onLowTrust === 'split') {
        const kept = new Set(nodes[7]!.policy.splits(DOMAIN).flatMap((split) => split.ids))
        expect(new Set(partitionOps.map((op) => op.key))).toEqual(kept)
      }
      // Side B's observer attested its own windows during the partition: side A finds them in conflict with its own.
      expect(nodes[0]!.evidence.length).toBeGreaterThan(0)
      expect(nodes[0]!.evidence[0]).toMatchObject({ type: 'evidence', evidence: { type: 'conflict', domain: DOMAIN } })
    },
    120_000
  )
})
