import { identityFromSeed, VerificationCache } from '@dscs/identity'
import { Simulation, type SimPeer } from '@dscs/netsim'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrpStateService } from '../src/service.js'
import { StateGraph, allowList, compareOps, jsonCodec, type Op } from '../src/index.js'

interface Mix {
  readonly key: string
  readonly value: number
}

const isMix = (v: unknown): v is Mix => typeof (v as Mix)?.key === 'string' && Number.isSafeInteger((v as Mix).value)
// Not commutative: a value folded in the wrong order shows.
const mix = (previous: number, value: number): number => (previous * 31 + value) % 1_000_003
const KEYS = ['a', 'b', 'c', 'd']

/** One simulated peer running the real service on the simulator's Net, clock, timers and store. */
function simPeer(peer: SimPeer, index: number, allowed: readonly number[]) {
  const graph = new StateGraph<Mix>({ checkpointEvery: 3 })
  const mixes = graph.reducer<number>({ name: 'mixes', key: (op) => op.payload.key, reduce: (n, op) => mix(n, op.payload.value), initial: 1 })
  const trust = allowList(allowed.map((i) => identity(i).publicKey), { others: 'pending' })
  const service = new FrpStateService<Mix>(
    { net: peer.net, identity: identity(index), clock: peer.clock, timers: peer.timers, store: peer.store, verificationCache: new VerificationCache() },
    { graph, codec: jsonCodec(isMix), trust, horizon: 3_600_000, syncInterval: 1_000 }
  )
  void service.start().then(() => service.afterStart())
  return { graph, mixes, service }
}

const identity = (index: number) => identityFromSeed(new Uint8Array(32).fill(index + 1))

function replay(ops: readonly Op<Mix>[]): Record<string, number> {
  const values = Object.fromEntries(KEYS.map((k) => [k, 1]))
  for (const op of [...ops].sort(compareOps)) values[op.payload.key] = mix(values[op.payload.key]!, op.payload.value)
  return values
}

const scenario = fc.record({
  seed: fc.nat(),
  peers: fc.integer({ min: 2, max: 5 }),
  ops: fc.array(fc.record({ peer: fc.nat(), at: fc.integer({ min: 0, max: 6_000 }), key: fc.constantFrom(...KEYS), value: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 40 }),
  link: fc.record({
    latencyMs: fc.integer({ min: 1, max: 80 }),
    jitterMs: fc.integer({ min: 0, max: 40 }),
    loss: fc.constantFrom(0, 0.05, 0.2),
    duplicate: fc.constantFrom(0, 0.1, 0.3),
    reorder: fc.constantFrom(0, 0.2)
  }),
  partition: fc.record({ split: fc.nat(), from: fc.integer({ min: 0, max: 3_000 }), length: fc.integer({ min: 100, max: 4_000 }) }),
  allowedMask: fc.nat()
})

describe('frp-state in the simulator', () => {
  it('converges: after delays, loss, duplicates and a healed partition, every peer derives what a canonical replay derives', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const allowed = Array.from({ length: s.peers }, (_, i) => i).filter((i) => (s.allowedMask >> i) & 1)
        const sim = new Simulation({ seed: s.seed, link: s.link })
        const nodes = sim.addPeers(s.peers, (peer) => simPeer(peer, Number(peer.id.replace(/\D/g, '')) % s.peers, allowed), { connect: 'all' })
        const submitted: Op<Mix>[] = []
        for (const op of s.ops) {
          sim.at(op.at, () => nodes[op.peer % s.peers]!.app?.service.submit({ key: op.key, value: op.value }).then((applied) => submitted.push(applied)))
        }
        const split = 1 + (s.partition.split % (s.peers - 1))
        sim.at(s.partition.from, () => sim.partition([nodes.slice(0, split), nodes.slice(split)]))
        sim.at(s.partition.from + s.partition.length, () => sim.heal())
        await sim.run({ until: 20_000 })

        expect(submitted).toHaveLength(s.ops.length)
        const predicted = replay(submitted)
        const confirmed = replay(submitted.filter((op) => allowed.some((i) => identity(i).publicKey.every((byte, k) => byte === op.author[k]))))
        for (const node of nodes) {
          const { graph, mixes } = node.app!
          expect(Object.fromEntries(KEYS.map((k) => [k, graph.get('predicted', mixes, k)]))).toEqual(predicted)
          expect(Object.fromEntries(KEYS.map((k) => [k, graph.get('confirmed', mixes, k)]))).toEqual(confirmed)
        }
      }),
      { numRuns: 40 }
    )
  }, 120_000)
})
