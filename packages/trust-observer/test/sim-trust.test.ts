// frp-state on the observer's TrustPolicy, in @dscs/netsim: ops pending until proven in the log under a head k of
// the witnesses cosigned, then confirmed; nullified when the observer is caught before that.
import { describe, expect, it } from 'vitest'
import { Simulation, type SimNode, type SimPeer } from '@dscs/netsim'
import { CoreDriver } from '@dscs/net'
import { FrpStateCore, StateGraph, jsonCodec, type FrpStateEvent, type Op } from '@dscs/frp-state'
import type { TrustStatusChange } from '@dscs/interface'
import { identity } from './fixtures.js'
import { forkingObserver } from './liars.js'
import { clientApp, observerApp } from './sim-apps.js'
import type { ClientInit } from '../src/index.js'

interface Add {
  readonly n: number
}
const isAdd = (v: unknown): v is Add => Number.isSafeInteger((v as Add)?.n)

/** A client of the observer with frp-state on its trust policy; every op it makes is also submitted to the observer. */
function stateApp(peer: SimPeer, observerPeer: string, init: Partial<ClientInit> = {}) {
  const client = clientApp(peer, observerPeer, init)
  const trust = client.service.trustPolicy()
  const changes: TrustStatusChange[] = []
  trust.onStatusChange((change) => changes.push(change))
  const graph = new StateGraph<Add>()
  const sum = graph.reducer<number>({ name: 'sum', key: () => 'sum', reduce: (n, op) => n + op.payload.n, initial: 0 })
  const frp = new FrpStateCore<Add>({ graph, codec: jsonCodec(isAdd), trust, identity: client.identity, self: peer.id, horizon: 3_600_000, syncInterval: 1_000 })
  const driver = new CoreDriver<FrpStateEvent<Add>>({ core: frp, net: peer.net, clock: peer.clock, timers: peer.timers, protocols: [frp.protocol], topics: [frp.topic], onEvent: () => {} })
  trust.onStatusChange(() => driver.apply(frp.takeSettled()))
  driver.start()
  const ops: Op<Add>[] = []
  let refused = 0
  const add = (n: number): void => {
    let submitted
    try {
      submitted = frp.submit({ n }, peer.clock.now())
    } catch (err) {
      // Once the observer is caught the policy refuses new ops (TRUST_REJECTED): counted, not thrown.
      if ((err as { code?: string }).code !== 'TRUST_REJECTED') throw err
      refused++
      return
    }
    const { op, effects } = submitted
    driver.apply(effects)
    ops.push(op)
    void client.service.submit(op.envelope).catch(() => {})
  }
  const view = (which: 'predicted' | 'confirmed'): number => graph.get(which, sum, 'sum')
  return { client, add, ops, changes, view, refused: () => refused }
}
type StateApp = ReturnType<typeof stateApp>

describe('frp-state on the observer trust policy', () => {
  it('confirms ops once proven under a head 2 of 3 witnesses cosigned; a client needing 3 while one is down confirms none', async () => {
    const sim = new Simulation({ seed: 11, link: { latencyMs: 30, jitterMs: 10 } })
    const [observer] = sim.addPeers(1, (peer) => observerApp(peer))
    const witnesses = sim.addPeers(3, (peer) => clientApp(peer, observer!.id, { cosign: true }))
    const keys = witnesses.map((w) => identity(w.id).publicKey)
    const clients: SimNode<StateApp>[] = sim.addPeers(3, (peer) => stateApp(peer, observer!.id, { witnesses: { keys, threshold: 2 } }))
    const [strict] = sim.addPeers(1, (peer) => stateApp(peer, observer!.id, { witnesses: { keys, threshold: 3 } }))
    sim.at(200, () => sim.crash(witnesses[2]!))
    let n = 0
    for (let at = 500; at < 3_000; at += 150) {
      const client = clients[n % clients.length]!
      const value = ++n
      sim.at(at, () => client.app!.add(value))
    }
    await sim.run({ until: 8_000 })

    const total = (n * (n + 1)) / 2
    const ops = clients.flatMap((c) => c.app!.ops)
    expect(ops).toHaveLength(n)
    for (const client of clients) {
      const app = client.app!
      expect(app.view('predicted')).toBe(total)
      expect(app.view('confirmed')).toBe(total)
      const trusted = app.client.ofType('head').filter(({ event }) => event.trusted)
      expect(trusted.length).toBeGreaterThan(0)
      expect(app.changes.filter((c) => c.status === 'nullified')).toEqual([])
    }
    // Verified but never trusted past the empty log (cosigned by all three before one went down): two cosignatures where three are needed.
    const heads = strict!.app!.client.ofType('head')
    expect(heads.some(({ event }) => event.head.value.size > 0)).toBe(true)
    expect(heads.every(({ event }) => !event.trusted || event.head.value.size === 0)).toBe(true)
    expect(strict!.app!.view('predicted')).toBe(total)
    expect(strict!.app!.view('confirmed')).toBe(0)
    // The observer never sees a witness it does not know of: the heads' cosigners are the two witnesses alive.
    expect(witnesses[0]!.app!.service.evidence).toBeUndefined()
  })

  it('when a forking observer is caught, the ops not yet proven are nullified everywhere, the confirmed ones stay, none of the other branch is confirmed', async () => {
    const sim = new Simulation({ seed: 13, link: { latencyMs: 30, jitterMs: 10 } })
    const FORK = 2_000
    const groupA = new Set(['peer-1', 'peer-2'])
    const [liar] = sim.addPeers(1, (peer) => forkingObserver(peer, groupA, FORK))
    const clients: SimNode<StateApp>[] = sim.addPeers(4, (peer) => stateApp(peer, liar!.id))
    let n = 0
    for (let at = 500; at < 4_000; at += 100) {
      const client = clients[n % clients.length]!
      const value = ++n
      sim.at(at, () => client.app!.add(value))
    }
    await sim.run({ until: 10_000 })

    const [branchA, branchB] = liar!.app!.branches
    const logged = async (branch: typeof branchA) => {
      const log = branch!.service.log
      return new Set((await log.entries(0, log.size)).map((entry) => Buffer.from(entry).toString('hex')))
    }
    const [inA, inB] = [await logged(branchA), await logged(branchB)]
    const ops = clients.flatMap((c) => c.app!.ops)
    const branchOf = (op: Op<Add>): 'both' | 'A' | 'B' | 'none' => {
      const hex = Buffer.from(op.envelope).toString('hex')
      return inA.has(hex) && inB.has(hex) ? 'both' : inA.has(hex) ? 'A' : inB.has(hex) ? 'B' : 'none'
    }
    expect(ops.some((op) => branchOf(op) === 'both')).toBe(true)
    for (const client of clients) {
      const app = client.app!
      expect(app.client.service.evidence?.kind).toBe('fork')
      const side = groupA.has(client.id) ? 'A' : 'B'
      const confirmed = new Set(app.changes.filter((c) => c.status === 'confirmed').map((c) => c.id))
      for (const op of ops) {
        const where = branchOf(op)
        // Ops of the shared history before the fork are confirmed everywhere; none of the other branch anywhere.
        if (where === 'both') expect(confirmed.has(op.key), `${client.id} confirmed ${op.key.slice(0, 8)}`).toBe(true)
        if (where !== 'both' && where !== side) expect(confirmed.has(op.key)).toBe(false)
      }
      // Every op is settled: confirmed, or nullified when the observer was caught (or refused after).
      const settled = new Set(app.changes.map((c) => c.id))
      const refusedLate = ops.filter((op) => !settled.has(op.key))
      expect(refusedLate.every((op) => op.wall >= app.client.ofType('equivocation')[0]!.at)).toBe(true)
      expect(app.changes.some((c) => c.status === 'nullified')).toBe(true)
      expect(app.refused()).toBeGreaterThan(0)
    }
  })
})
