import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, Store } from '@dscs/interface'
import type { ContentRouting } from '@libp2p/interface'
import { realTimers, type Timers } from './driver.js'
import { NetError } from './errors.js'
import { Libp2pNet, type DscsNetComponents, type DscsNetInit } from './libp2p-net.js'
import { libp2pProviders, type ContentProviders } from './providers.js'

/** The libp2p service factory of the DSCS Net: `services: { pubsub: …, net: dscsNet() }`, after gossipsub. */
export function dscsNet(init: DscsNetInit = {}): (components: DscsNetComponents) => Libp2pNet {
  return (components) => new Libp2pNet(components, init)
}

/** Everything a protocol service gets from the node it runs on. */
export interface ProtocolContext {
  /** The Net port, on libp2p. */
  readonly net: Libp2pNet
  /** The node's identity, which signs the protocol's envelopes. */
  readonly identity: Identity
  readonly clock: Clock
  readonly timers: Timers
  /** The node's verification cache: pass it to `openEnvelope` so no envelope is verified twice. */
  readonly verificationCache: VerificationCache
  /** The node's persistence (LevelDB under the data directory with `createNode`), or undefined for none. */
  readonly store: Store | undefined
  /** Provider records through the node's content routing: kad-dht with `createNode({ dht: true })`, else none found. */
  readonly providers: ContentProviders
}

/**
 * Turns a protocol's constructor into a libp2p service factory, the one way
 * every DSCS protocol package exports itself:
 *
 * ```ts
 * export const frpState = (init: FrpInit = {}) => protocolService((context) => new FrpService(context, init))
 * const node = await createNode({ services: { frp: frpState() } })
 * ```
 *
 * The service gets the node's `net` service (registered by `createNode`
 * before any protocol service) and what comes with it; libp2p starts and
 * stops it with the node when it has `start`/`stop`.
 */
export function protocolService<Service>(create: (context: ProtocolContext) => Service): (components: object) => Service {
  return (components) => {
    const net = (components as { net?: unknown }).net
    if (!(net instanceof Libp2pNet)) {
      throw new NetError('INVALID_OPTION', 'a DSCS protocol service needs the `net` service: start the node with createNode, or register dscsNet() before it')
    }
    // Routers (a DHT service) register with libp2p's compound content routing as they are built, before or after this one.
    const providers = libp2pProviders((components as { contentRouting: ContentRouting }).contentRouting)
    return create({ net, identity: net.identity, clock: net.clock, timers: realTimers, verificationCache: net.verificationCache, store: net.store, providers })
  }
}
