// The demand protocol in the deterministic simulator of @dscs/netsim, run by the same CoreDriver that runs it on libp2p.
import { describe, expect, it } from 'vitest'
import { identityFromSeed } from '@dscs/identity'
import type { PeerRef } from '@dscs/interface'
import { CoreDriver } from '@dscs/net'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { DifficultyPolicy, STAMPS_PROTOCOL_ID, StampDemandCore, type StampDemandEvent } from '../src/index.js'

const TIMEOUT_MS = 1_000

/** One simulated peer: its policy (chat costs 10 + its index bits), and the demand core on its Net, clock and timers. */
class DemandSimApp {
  readonly events: StampDemandEvent[] = []
  readonly policy: DifficultyPolicy
  readonly #peer: SimPeer
  readonly #core: StampDemandCore
  readonly #driver: CoreDriver<StampDemandEvent>

  constructor(peer: SimPeer, index: number) {
    this.#peer = peer
    const randomBytes = (length: number): Uint8Array => new Uint8Array(length).map(() => peer.random.int(256))
    this.policy = new DifficultyPolicy({ topics: { chat: 10 + index }, raiseBits: 2, loadThreshold: 1 })
    this.#core = new StampDemandCore({ identity: identityFromSeed(randomBytes(32)), policy: this.policy, randomBytes, timeout: TIMEOUT_MS })
    this.#driver = new CoreDriver({
      core: this.#core,
      net: peer.net,
      clock: peer.clock,
      timers: peer.timers,
      protocols: [STAMPS_PROTOCOL_ID],
      onEvent: (event) => this.events.push(event)
    })
    this.#driver.start()
  }

  ask(peer: PeerRef): void {
    this.#driver.apply(this.#core.query(peer, this.#peer.clock.now()).effects)
  }
}

async function scenario(seed: number) {
  const sim = new Simulation({ seed, link: { latencyMs: 40, jitterMs: 10 } })
  let index = 0
  const [alice, bob, carol, mallory] = sim.addPeers(4, (peer) => new DemandSimApp(peer, index++), { connect: 'all' })
  sim.at(100, () => alice!.app!.ask(bob!.id))
  // Bob gets busy: his untrusted senders now owe 2 bits more.
  sim.at(150, () => {
    for (let i = 0; i < 2; i++) bob!.app!.policy.observe(bob!.peer!.clock.now())
  })
  sim.at(160, () => alice!.app!.ask(bob!.id))
  sim.at(200, () => sim.crash(carol!))
  sim.at(300, () => alice!.app!.ask(carol!.id))
  sim.at(400, () => mallory!.peer!.net.send(bob!.id, STAMPS_PROTOCOL_ID, new Uint8Array([0xff, 0xff])))
  await sim.run({ until: 5_000 })
  return { alice: alice!, bob: bob!, carol: carol!, mallory: mallory!, trace: sim.traceHash() }
}

describe('StampDemandCore in the simulator', () => {
  it("learns a peer's demand as it changes with its load, times out on a crashed peer, penalises garbage", async () => {
    const { alice, bob, carol, mallory } = await scenario(1)
    expect(alice.app!.events.map((event) => (event.type === 'demand' ? [event.peer, event.topics] : [event.peer, event.type]))).toEqual([
      [bob.id, [{ topic: 'chat', bits: 11, untrustedBits: 11 }]],
      [bob.id, [{ topic: 'chat', bits: 11, untrustedBits: 13 }]],
      [carol.id, 'timeout']
    ])
    expect(bob.penalties.get(mallory.id)?.get('MALFORMED')).toBe(1)
  })

  it('is deterministic: one seed, one trace', async () => {
    const first = await scenario(7)
    const again = await scenario(7)
    expect(again.trace).toBe(first.trace)
    expect(again.alice.app!.events).toEqual(first.alice.app!.events)
  })
})
