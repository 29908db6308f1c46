import { identityFromSeed, VerificationCache } from '@dscs/identity'
import type { PeerRef } from '@dscs/interface'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { describe, expect, it } from 'vitest'
import { CoreDriver } from '../src/index.js'
import { ECHO, EchoCore, type EchoEvent } from './echo-core.js'

/** One simulated peer running the echo core through the same CoreDriver a libp2p service uses. */
class SimEcho {
  readonly events: EchoEvent[] = []
  readonly #core: EchoCore
  readonly #driver: CoreDriver<EchoEvent>
  readonly #peer: SimPeer

  constructor(peer: SimPeer) {
    this.#peer = peer
    const seed = new Uint8Array(32).map(() => peer.random.int(256))
    this.#core = new EchoCore(identityFromSeed(seed), new VerificationCache())
    this.#driver = new CoreDriver({ core: this.#core, net: peer.net, clock: peer.clock, timers: peer.timers, protocols: [ECHO], onEvent: (e) => this.events.push(e) })
    this.#driver.start()
  }

  echo(to: PeerRef, text: string): void {
    this.#driver.apply(this.#core.request(to, text, this.#peer.clock.now()))
  }
}

async function scenario(seed: number): Promise<{ events: EchoEvent[][]; trace: string }> {
  const sim = new Simulation({ seed, link: { latencyMs: 40, jitterMs: 10 } })
  const peers = sim.addPeers(3, (peer) => new SimEcho(peer), { connect: 'all' })
  const [a, b, c] = peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0]]
  sim.at(100, () => a.app!.echo(b.id, 'hello b'))
  sim.at(200, () => sim.crash(c))
  sim.at(300, () => a.app!.echo(c.id, 'hello c'))
  await sim.run({ until: 10_000 })
  return { events: peers.map((p) => p.app?.events ?? []), trace: sim.traceHash() }
}

describe('CoreDriver in the simulator', () => {
  it('runs the same core on virtual time: answers, and a timeout when the peer crashed', async () => {
    const { events } = await scenario(7)
    expect(events[0]!.map((e) => e.type)).toEqual(['echoed', 'timeout'])
    expect(events[0]![0]).toMatchObject({ type: 'echoed', text: 'hello b' })
  })

  it('is deterministic: one seed, one trace', async () => {
    expect((await scenario(7)).trace).toBe((await scenario(7)).trace)
  })
})
