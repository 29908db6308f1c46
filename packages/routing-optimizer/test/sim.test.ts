// The core in the deterministic simulator of @dscs/netsim, run by the same CoreDriver that runs it on libp2p.
import { describe, expect, it } from 'vitest'
import { identityFromSeed } from '@dscs/identity'
import type { PeerRef } from '@dscs/interface'
import { CoreDriver } from '@dscs/net'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { PROTOCOL_ID, RoutingOptimizerCore, type RoutingOptimizerEvent } from '../src/index.js'

const LATENCY_MS = 40
const JITTER_MS = 10
const TIMEOUT_MS = 1_000

/** One simulated peer's application: the core, driven on the peer's Net, virtual clock and timers. */
class RoutingOptimizerSimApp {
  readonly events: RoutingOptimizerEvent[] = []
  readonly #peer: SimPeer
  readonly #core: RoutingOptimizerCore
  readonly #driver: CoreDriver<RoutingOptimizerEvent>

  constructor(peer: SimPeer) {
    this.#peer = peer
    // Every draw from the peer's seeded stream, so one seed gives one run.
    const randomBytes = (length: number): Uint8Array => new Uint8Array(length).map(() => peer.random.int(256))
    this.#core = new RoutingOptimizerCore({ identity: identityFromSeed(randomBytes(32)), randomBytes, timeout: TIMEOUT_MS })
    this.#driver = new CoreDriver({
      core: this.#core,
      net: peer.net,
      clock: peer.clock,
      timers: peer.timers,
      protocols: [PROTOCOL_ID],
      onEvent: (event) => this.events.push(event)
    })
    this.#driver.start()
  }

  ping(to: PeerRef): void {
    this.#driver.apply(this.#core.ping(to, this.#peer.clock.now()).effects)
  }
}

async function scenario(seed: number) {
  const sim = new Simulation({ seed, link: { latencyMs: LATENCY_MS, jitterMs: JITTER_MS } })
  const [alice, bob, carol, mallory] = sim.addPeers(4, (peer) => new RoutingOptimizerSimApp(peer), { connect: 'all' })
  sim.at(100, () => alice!.app!.ping(bob!.id))
  sim.at(200, () => sim.crash(carol!))
  sim.at(300, () => alice!.app!.ping(carol!.id))
  sim.at(400, () => mallory!.peer!.net.send(bob!.id, PROTOCOL_ID, new Uint8Array([0xff, 0xff])))
  await sim.run({ until: 5_000 })
  return { alice: alice!, bob: bob!, carol: carol!, mallory: mallory!, trace: sim.traceHash() }
}

describe('RoutingOptimizerCore in the simulator', () => {
  it('measures a round trip within the bounds of the link latency', async () => {
    const { alice, bob } = await scenario(1)
    const [pong] = alice.app!.events
    expect(pong).toMatchObject({ type: 'pong', peer: bob.id })
    // Each way takes the latency plus a jitter in [0, JITTER_MS): nothing else takes virtual time.
    const rtt = pong?.type === 'pong' ? pong.rtt : NaN
    expect(rtt).toBeGreaterThanOrEqual(2 * LATENCY_MS)
    expect(rtt).toBeLessThan(2 * (LATENCY_MS + JITTER_MS))
  })

  it('times out a ping of a crashed peer, and penalises a peer that sends garbage', async () => {
    const { alice, bob, carol, mallory } = await scenario(1)
    expect(alice.app!.events.map((event) => [event.type, event.peer])).toEqual([
      ['pong', bob.id],
      ['timeout', carol.id]
    ])
    expect(bob.penalties.get(mallory.id)?.get('MALFORMED')).toBe(1)
  })

  it('is deterministic: one seed, one trace', async () => {
    const first = await scenario(7)
    const again = await scenario(7)
    expect(again.trace).toBe(first.trace)
    expect(again.alice.app!.events).toEqual(first.alice.app!.events)
    expect((await scenario(8)).trace).not.toBe(first.trace)
  })
})
