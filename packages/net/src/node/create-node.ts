import { join } from 'node:path'
import { mkdir } from 'node:fs/promises'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateIdentity, libp2pPrivateKey, loadOrCreateKeystoreFile, type Identity, type KeystoreOptions } from '@dscs/identity'
import type { PeerRef, Store } from '@dscs/interface'
import { LevelStore, MemoryStore } from '@dscs/store'
import type { GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { ping, type Ping as PingService } from '@libp2p/ping'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2pOptions, type ServiceFactoryMap } from 'libp2p'
import { NetError } from '../errors.js'
import { dscsGossipsub } from '../gossip.js'
import type { DscsNetInit, Libp2pNet } from '../libp2p-net.js'
import { dscsNet } from '../service.js'
import { NodeDatastore } from './node-datastore.js'

/** Loopback TCP and WebSockets on ports the OS picks: reachable from this machine only. */
export const DEFAULT_LISTEN: readonly string[] = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']

/** The transports a node can run. `circuit-relay` dials and listens through relays (how browsers reach it). */
export type TransportName = 'tcp' | 'websockets' | 'webrtc' | 'webrtc-direct' | 'circuit-relay'

/** Every transport: what a node runs unless told otherwise. */
export const ALL_TRANSPORTS: readonly TransportName[] = ['tcp', 'websockets', 'webrtc', 'webrtc-direct', 'circuit-relay']

type TransportFactory = NonNullable<Libp2pOptions['transports']>[number]

// Loaded only when a node runs them: WebRTC alone adds about 17 MiB to a process, WebSockets about 7.
const TRANSPORTS: Record<TransportName, () => Promise<TransportFactory>> = {
  tcp: () => Promise.resolve(tcp()),
  websockets: async () => (await import('@libp2p/websockets')).webSockets(),
  webrtc: async () => (await import('@libp2p/webrtc')).webRTC(),
  'webrtc-direct': async () => (await import('@libp2p/webrtc')).webRTCDirect(),
  'circuit-relay': async () => (await import('@libp2p/circuit-relay-v2')).circuitRelayTransport()
}

export interface NodeOptions {
  /**
   * Where the node keeps its identity (encrypted keystore), libp2p peer store
   * and DSCS store, each in LevelDB. Without it the node is ephemeral: a fresh
   * identity, everything in memory.
   */
  readonly dataDir?: string
  /** Passphrase of the keystore in `dataDir`. Default: the empty passphrase. */
  readonly passphrase?: string
  /** Keystore key-derivation settings, for a new keystore. */
  readonly keystore?: KeystoreOptions
  /** Use this identity instead of a keystore. */
  readonly identity?: Identity
  /** Multiaddrs to listen on. Default {@link DEFAULT_LISTEN} (without its WebSockets address when the node runs no WebSockets). */
  readonly listen?: readonly string[]
  /**
   * The transports to run; default {@link ALL_TRANSPORTS}. A node that only
   * dials other nodes (a command-line download, say) can run `['tcp']` and
   * skip the memory of the others; the relay server needs `circuit-relay`.
   */
  readonly transports?: readonly TransportName[]
  /** Multiaddrs to announce instead of the listening ones. */
  readonly announce?: readonly string[]
  /** Peers to connect to at start and keep discovering through. */
  readonly bootstrap?: readonly string[]
  /** Run a kad-dht (server mode, protocol `/dscs/kad/1.0.0`) for peer and content routing. Default false. */
  readonly dht?: boolean
  /** Serve circuit-relay reservations so browsers can reach this node and each other. Default true when the node runs `circuit-relay`. */
  readonly relayServer?: boolean
  /** The DSCS Net service: limits, replay window, rationing. */
  readonly net?: DscsNetInit
  /** gossipsub settings beyond the DSCS ones. Unless `scoreParams` sets them, the application-specific score is the Net's (`Libp2pNet.setAppSpecificScore`) and loopback peers are spared the IP colocation penalty. */
  readonly gossip?: Partial<GossipsubOpts>
  /**
   * When given, the node connects only with the peers it allows, either way:
   * asked of every connection once its encryption handshake names the remote
   * peer, and before every dial. A friend-to-friend mode passes its friend
   * test here (e.g. `trustWot(init).allowPeer` of `@dscs/trust-wot`). A peer
   * banned for flooding is refused whatever it answers.
   */
  readonly allowPeer?: (peer: PeerRef) => boolean
  /** Protocol services to run on the node, e.g. `{ chunks: chunkDistribution() }`; each may use the `net` service. */
  readonly services?: ServiceFactoryMap
}

/** A running DSCS node. */
export interface DscsNode {
  readonly libp2p: Libp2p<{ net: Libp2pNet } & Record<string, unknown>>
  /** The `Net` port protocols talk through. */
  readonly net: Libp2pNet
  readonly identity: Identity
  readonly peerId: string
  /** Application persistence: LevelDB under `dataDir/store`, or memory. */
  readonly store: Store
  readonly dataDir: string | undefined
  /** Where others can reach this node, with its `/p2p/` id. */
  multiaddrs(): string[]
  /** Connects to the node at `address` (a multiaddr with `/p2p/`). */
  dial(address: string): Promise<void>
  /** Milliseconds for a libp2p ping to `peer` and back (it must be connected or dialable). */
  ping(peer: PeerRef, options?: { signal?: AbortSignal }): Promise<number>
  /** Drains streams, stops libp2p (closing listeners and connections), then flushes and closes the stores. */
  stop(): Promise<void>
}

/** Starts a DSCS node: libp2p with the DSCS defaults, its identity from the keystore in `dataDir`. */
export async function createNode(options: NodeOptions = {}): Promise<DscsNode> {
  const { dataDir } = options
  if (dataDir !== undefined) {
    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
    } catch (err) {
      throw new NetError('DATA_DIR', `cannot use ${dataDir} as the data directory: ${(err as Error).message}`, { cause: err })
    }
  }
  const identity =
    options.identity ??
    (dataDir === undefined
      ? generateIdentity()
      : await loadOrCreateKeystoreFile(join(dataDir, 'identity.json'), options.passphrase ?? '', options.keystore))

  const transportNames = checkTransports(options.transports ?? ALL_TRANSPORTS)
  const relayServer = options.relayServer ?? transportNames.includes('circuit-relay')
  if (relayServer && !transportNames.includes('circuit-relay')) throw new NetError('INVALID_OPTION', 'the relay server needs the circuit-relay transport')
  const listen = options.listen ?? DEFAULT_LISTEN.filter((address) => transportNames.includes('websockets') || !address.endsWith('/ws'))
  const transports = await Promise.all(transportNames.map((name) => TRANSPORTS[name]()))
  const optional = await optionalServices(options, relayServer)

  const datastore = dataDir === undefined ? undefined : new NodeDatastore(join(dataDir, 'datastore'))
  await datastore?.open()
  let store: Store | undefined
  // The gater consults the Net service, which exists only once libp2p is built.
  let net: Libp2pNet | undefined
  const { allowPeer } = options
  const denied = (peer: { toString(): string }): boolean => (net?.isBanned(peer.toString()) ?? false) || (allowPeer !== undefined && !allowPeer(peer.toString()))
  try {
    store = dataDir === undefined ? new MemoryStore() : await LevelStore.open(join(dataDir, 'store'))
    const libp2p = await createLibp2p({
      privateKey: libp2pPrivateKey(identity),
      ...(datastore === undefined ? {} : { datastore }),
      addresses: {
        listen: [...listen],
        ...(options.announce === undefined ? {} : { announce: [...options.announce] })
      },
      transports,
      connectionEncrypters: [noise()],
      connectionGater: { denyInboundEncryptedConnection: denied, denyOutboundEncryptedConnection: denied, denyDialPeer: denied },
      streamMuxers: [yamux()],
      ...(optional.peerDiscovery === undefined ? {} : { peerDiscovery: [optional.peerDiscovery] }),
      services: {
        identify: identify(),
        ping: ping(),
        ...optional.services,
        // Topics with admission checks (proof-of-work stamps) give stamped envelopes ids of their own.
        pubsub: dscsGossipsub(options.net?.limits ?? {}, withDscsScoring(options.gossip, (peer) => net?.appSpecificScore(peer) ?? 0), (topic) => net?.admits(topic) ?? false),
        net: dscsNet({ ...options.net, store }),
        ...options.services
      }
    })
    net = (libp2p as DscsNode['libp2p']).services.net
    return runningNode(libp2p, identity, store, dataDir, datastore)
  } catch (err) {
    await store?.close()
    await datastore?.close()
    throw err
  }
}

/**
 * Loopback peers are processes on this machine, not a Sybil behind one IP: gossipsub's IP colocation penalty would
 * otherwise graylist every peer past the tenth on 127.0.0.1 and drop what they publish (a local demo or test mesh).
 */
const LOOPBACK_IPS = ['127.0.0.1', '::1']

/**
 * gossipsub's application-specific score asks the Net (where a service such as a routing optimiser sets it), and
 * loopback peers are spared the IP colocation penalty, unless the caller set either.
 */
function withDscsScoring(gossip: Partial<GossipsubOpts> | undefined, appSpecificScore: (peer: string) => number): Partial<GossipsubOpts> {
  return { ...gossip, scoreParams: { appSpecificScore, IPColocationFactorWhitelist: new Set(LOOPBACK_IPS), ...gossip?.scoreParams } }
}

function checkTransports(names: readonly TransportName[]): readonly TransportName[] {
  for (const name of names) {
    if (!Object.hasOwn(TRANSPORTS, name)) throw new NetError('INVALID_OPTION', `unknown transport ${String(name)}; known: ${ALL_TRANSPORTS.join(', ')}`)
  }
  if (names.length === 0) throw new NetError('INVALID_OPTION', 'a node needs at least one transport')
  return [...new Set(names)]
}

/** The bootstrap list, the DHT and the relay server, each loaded only when the node runs it. */
async function optionalServices(options: NodeOptions, relayServer: boolean): Promise<{ peerDiscovery?: NonNullable<Libp2pOptions['peerDiscovery']>[number]; services: ServiceFactoryMap }> {
  const services: ServiceFactoryMap = {}
  if (options.dht === true) {
    const { kadDHT, passthroughMapper } = await import('@libp2p/kad-dht')
    // DSCS's own DHT, apart from the public IPFS one, keeping loopback and LAN addresses (a local cluster is a real use).
    // Its components include the ping service, which every DSCS node runs: the map's type cannot say so.
    services.dht = kadDHT({ protocol: '/dscs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper }) as unknown as ServiceFactoryMap[string]
  }
  if (relayServer) services.relay = (await import('@libp2p/circuit-relay-v2')).circuitRelayServer()
  if (options.bootstrap === undefined || options.bootstrap.length === 0) return { services }
  return { peerDiscovery: (await import('@libp2p/bootstrap')).bootstrap({ list: [...options.bootstrap] }), services }
}

function runningNode(
  libp2p: DscsNode['libp2p'],
  identity: Identity,
  store: Store,
  dataDir: string | undefined,
  datastore: NodeDatastore | undefined
): DscsNode {
  let stopping: Promise<void> | undefined
  return {
    libp2p,
    net: libp2p.services.net,
    identity,
    peerId: libp2p.peerId.toString(),
    store,
    dataDir,
    multiaddrs: () => libp2p.getMultiaddrs().map((address) => address.toString()),
    async dial(address) {
      await libp2p.dial(multiaddr(address))
    },
    async ping(peer, pingOptions) {
      return await (libp2p.services.ping as PingService).ping(peerIdFromString(peer), pingOptions)
    },
    stop() {
      stopping ??= (async () => {
        await libp2p.stop()
        await store.close()
        await datastore?.close()
      })()
      return stopping
    }
  }
}
