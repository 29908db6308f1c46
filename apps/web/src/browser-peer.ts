import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { frpState, type FrpState } from '@dscs/frp-state'
import { dscsGossipsub, dscsNet, type Libp2pNet } from '@dscs/net'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Connection, Libp2p } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { routingOptimizer, type RoutingOptimizer } from '@dscs/routing-optimizer'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { boardState, moveCodec, type BoardState, type Move } from './board.js'
import { WebError } from './errors.js'
import { RelayReservation, relayAddress } from './relay-reservation.js'
import { settledAfter, type SettlePolicy } from './settle-policy.js'

/** Default settle window (and frp-state lateness horizon), ms: moves older than this are final. */
export const DEFAULT_SETTLE_MS = 3_000

/** Handshakes a connect tries before it gives up. */
const CONNECT_ATTEMPTS = 3

export interface BrowserPeerOptions {
  /** The relay nodes' WebSockets multiaddrs, each with `/p2p/<id>`: the slot is reserved at the best one, then the next when it fails. */
  readonly relays: readonly string[]
  /** The frp-state domain the players share. Default `playground`. */
  readonly room?: string
  /** Moves settle (become confirmed) this many ms after their time; also the lateness horizon. Default {@link DEFAULT_SETTLE_MS}. */
  readonly settleMs?: number
}

export type PeerLibp2p = Libp2p<{ net: Libp2pNet; state: FrpState<Move>; routing: RoutingOptimizer } & Record<string, unknown>>

/** A running browser peer: libp2p, the room's state, and its settle policy. */
export interface BrowserPeer extends BoardState {
  readonly libp2p: PeerLibp2p
  readonly state: FrpState<Move>
  readonly policy: SettlePolicy
  /** Where the circuit-relay slot is held, chosen by the routing optimizer among the relays given. */
  readonly relays: RelayReservation
  /** The frp-state domain the players share. */
  readonly room: string
  /** The address other browsers dial: through the relay, upgraded to WebRTC. */
  webrtcAddress(): string | undefined
  /** Dials another browser at its {@link webrtcAddress} (up to 3 handshakes of `timeoutMs`, default 15 s); resolves with the direct WebRTC connection. */
  connect(address: string, timeoutMs?: number): Promise<Connection>
  stop(): Promise<void>
}

/**
 * Starts a DSCS peer in the browser: WebSockets to the relay nodes, a
 * circuit-relay reservation at the one the routing optimizer ranks best (so
 * other browsers can reach it; at the next when it fails), and WebRTC, whose
 * handshake runs through the relay and whose connection is then direct. It
 * runs the DSCS Net, the routing optimizer and frp-state on that, like a node.
 */
export async function startBrowserPeer(options: BrowserPeerOptions): Promise<BrowserPeer> {
  if (options.relays.length === 0) throw new WebError('BAD_RELAY_ADDRESS', 'no relay given')
  const relayAddresses = options.relays.map(relayAddress)
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS
  const room = options.room ?? 'playground'
  const policy = settledAfter(settleMs)
  const board = boardState()
  const libp2p = (await createLibp2p({
    // No `/p2p-circuit` here: the circuit is listened on at the relay the routing optimizer chooses.
    addresses: { listen: ['/webrtc'] },
    transports: [webSockets(), webRTC(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Browsers refuse private addresses by default; the relay of a local playground is one.
    connectionGater: { denyDialMultiaddr: () => false },
    // The WebRTC handshake runs through the relay: on a loaded machine it can outlast libp2p's 6 s per address.
    connectionManager: { addressDialTimeout: 30_000, dialTimeout: 30_000 },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: dscsGossipsub({}),
      net: dscsNet(),
      routing: routingOptimizer(),
      state: frpState({ graph: board.graph, codec: moveCodec, domain: room, trust: policy, horizon: settleMs, store: false })
    }
  })) as unknown as PeerLibp2p
  const state = libp2p.services.state
  const relays = new RelayReservation(libp2p, libp2p.services.routing, relayAddresses)
  try {
    await relays.start()
  } catch (err) {
    relays.stop()
    await libp2p.stop()
    throw err
  }
  return {
    ...board,
    libp2p,
    state,
    policy,
    relays,
    room,
    webrtcAddress: () => libp2p.getMultiaddrs().map(String).find((address) => address.includes('/p2p-circuit/webrtc/')),
    async connect(address, timeoutMs = 15_000) {
      // A WebRTC handshake through the relay now and then never completes (ICE stalls); a fresh one does.
      for (let attempt = 1; ; attempt++) {
        try {
          return await libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(timeoutMs) })
        } catch (err) {
          if (attempt === CONNECT_ATTEMPTS) throw err
        }
      }
    },
    async stop() {
      relays.stop()
      policy.dispose()
      await libp2p.stop()
    }
  }
}

/**
 * Whether a connection is a direct WebRTC one: its transport is `/webrtc`
 * (the dialler's address still names the relay its handshake went through,
 * `…/p2p-circuit/webrtc/p2p/<peer>`; the answerer's is `/webrtc/p2p/<peer>`),
 * and it has none of the limits of a relayed circuit.
 */
export function isDirectWebRTC(connection: Connection): boolean {
  return connection.remoteAddr.getComponents().some((c) => c.name === 'webrtc') && connection.limits === undefined
}
