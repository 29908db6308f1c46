import type { PeerRef } from '@dscs/interface'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import { CoreDriver, protocolService, type ProtocolContext } from '../src/index.js'
import { createNode } from '../src/node/index.js'
import { ECHO, EchoCore, type EchoEvent } from './echo-core.js'
import { nodesStoppedAfterEach, waitFor } from './helpers.js'

/** The service a protocol package would export, built with the helper. */
class EchoService {
  readonly events: EchoEvent[] = []
  readonly #core: EchoCore
  readonly #driver: CoreDriver<EchoEvent>
  readonly #context: ProtocolContext

  constructor(context: ProtocolContext) {
    this.#context = context
    this.#core = new EchoCore(context.identity, context.verificationCache)
    this.#driver = new CoreDriver({ ...context, core: this.#core, protocols: [ECHO], onEvent: (e) => this.events.push(e) })
  }

  start(): void {
    this.#driver.start()
  }

  stop(): void {
    this.#driver.stop()
  }

  echo(peer: PeerRef, text: string): void {
    this.#driver.apply(this.#core.request(peer, text, this.#context.clock.now()))
  }
}

const echo = () => protocolService((context) => new EchoService(context))

const nodes = nodesStoppedAfterEach()

describe('protocolService and CoreDriver', () => {
  it('run a sans-I/O core as a libp2p service: requests, answers and timeouts with real streams and time', async () => {
    const a = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, services: { echo: echo() } })
    const b = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, services: { echo: echo() } })
    const silent = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false })
    nodes.push(a, b, silent)
    await a.dial(b.multiaddrs()[0]!)
    await a.dial(silent.multiaddrs()[0]!)
    const service = a.libp2p.services.echo as EchoService

    service.echo(b.peerId, 'ping!')
    await waitFor(() => service.events.length === 1, 'the echo')
    expect(service.events[0]).toEqual({ type: 'echoed', from: b.peerId, text: 'ping!' })

    // The silent node does not speak the protocol: the send fails, the core's deadline fires.
    service.echo(silent.peerId, 'anyone?')
    await waitFor(() => service.events.length === 2, 'the timeout', 6000)
    expect(service.events[1]).toEqual({ type: 'timeout', peer: silent.peerId })

    // A forged request is refused by the core and penalised through the driver on the Net.
    const genuine = signEnvelope(b.identity, createEnvelope({ kind: 'echo.Request', payload: new Uint8Array(1), author: b.identity.publicKey, timestamp: Date.now() }))
    await b.net.send(a.peerId, ECHO, encodeEnvelope({ ...genuine, signature: new Uint8Array(64) }))
    await waitFor(() => a.net.penalties(b.peerId).total === 1, 'the penalty')
    expect(a.net.penalties(b.peerId).byCode.get('BAD_SIGNATURE')).toBe(1)
  })
})
