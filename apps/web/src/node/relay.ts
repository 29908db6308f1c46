import { opTopic } from '@dscs/frp-state'
import { createNode, type DscsNode } from '@dscs/net'
import { routingOptimizer } from '@dscs/routing-optimizer'
import { WebError } from '../errors.js'

export interface RelayOptions {
  /** Where browsers reach it. Default WebSockets on 127.0.0.1 at a port the OS picks. */
  readonly listen?: readonly string[]
  /**
   * Rooms whose moves the node forwards itself, over gossip: browsers that
   * are connected only to the node then still play, every move relayed
   * through it (what the benchmark compares direct WebRTC with).
   */
  readonly forwardRooms?: readonly string[]
  /** The upload it claims in its signed capacity record, which offers relaying, bytes per second. Default 10 MB/s: browsers' measurements override it. */
  readonly uploadBytesPerSecond?: number
}

/** How often a relay node repeats its capacity record, ms: browsers that join later learn it within this. */
const ADVERTISE_INTERVAL_MS = 15_000

/** A running relay node and the WebSockets address browsers are given. */
export interface Relay {
  readonly node: DscsNode
  readonly address: string
  stop(): Promise<void>
}

/**
 * Starts the DSCS node browsers join: WebSockets on loopback, a circuit-relay
 * server for their reservations (through which they then reach each other
 * and set up WebRTC), the DSCS Net, and the routing optimizer, which answers
 * the browsers' signed pings and advertises that this node relays.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const capacity = { uploadBytesPerSecond: options.uploadBytesPerSecond ?? 10e6, relay: true }
  const node = await createNode({
    listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0/ws'],
    transports: ['websockets', 'circuit-relay'],
    relayServer: true,
    services: { routing: routingOptimizer({ capacity: () => capacity, advertiseInterval: ADVERTISE_INTERVAL_MS }) }
  })
  // The Net's validator opens every envelope before gossipsub forwards it.
  for (const room of options.forwardRooms ?? []) node.net.subscribe(opTopic(room), () => 'accept')
  const address = node.multiaddrs().find((a) => a.includes('/ws/'))
  if (address === undefined) {
    await node.stop()
    throw new WebError('INVALID_OPTION', `the relay node has no WebSockets address among ${node.multiaddrs().join(', ')}`)
  }
  return { node, address, stop: () => node.stop() }
}
