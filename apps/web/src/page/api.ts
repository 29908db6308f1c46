import { opTopic } from '@dscs/frp-state'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Connection } from '@libp2p/interface'
import { BOARD_KEY, BOARD_SIZE, type Board } from '../board.js'
import { isDirectWebRTC, type BrowserPeer } from '../browser-peer.js'
import { WebError } from '../errors.js'
import type { RelayStatus } from '../relay-reservation.js'
import { selectedPairs, type SelectedPair } from './rtc-watch.js'

declare global {
  interface Window {
    /** The playground's handle, once its peer runs. */
    playground: PlaygroundApi
  }
}

/** One libp2p connection of the page, as a test or a person sees it. */
export interface ConnectionInfo {
  readonly peer: string
  readonly remoteAddr: string
  /** A direct WebRTC connection: not the relayed circuit, not the WebSockets link to the relay. */
  readonly direct: boolean
  /** Relayed circuits carry limits (time, bytes); a direct connection has none. */
  readonly limited: boolean
}

/** What the page offers its tests and benchmark (and a curious person's console) as `window.playground`. */
export interface PlaygroundApi {
  readonly peerId: string
  /** This player's public key, hex: its key on the board. */
  readonly me: string
  webrtcAddress(): string | undefined
  /** The relay holding this page's circuit-relay slot now, if any. */
  relay(): string | undefined
  /** The candidate relays, best first as the routing optimizer ranks them. */
  relays(): RelayStatus[]
  connect(address: string): Promise<ConnectionInfo>
  connections(): ConnectionInfo[]
  selectedPairs(): Promise<SelectedPair[]>
  /** Peers this page knows are in the room's gossip topic. */
  topicPeers(): string[]
  move(x: number, y: number): Promise<void>
  predicted(): Board
  confirmed(): Board
  /** Moves waiting to settle. */
  pending(): number
  /** Batches that rewrote the past. */
  corrections(): number
  /** While on, every move another player makes here is answered with a move of this player's. */
  echo(on: boolean): void
  /** Makes a move and resolves with the ms until another player's next move arrives (its echo). */
  roundTrip(timeoutMs?: number): Promise<number>
}

export function playgroundApi(peer: BrowserPeer, me: string, corrections: () => number): PlaygroundApi {
  const net = peer.libp2p.services.net
  const topic = opTopic(peer.room)
  const remoteMoveListeners = new Set<() => void>()
  let echoing = false
  let moves = 0
  const nextMove = (): { x: number; y: number } => ({ x: moves++ % BOARD_SIZE, y: BOARD_SIZE - 1 })
  peer.state.onEvent((event) => {
    if (event.type !== 'op' || event.origin === 'local' || bytesToHex(event.op.author) === me) return
    for (const listener of remoteMoveListeners) listener()
    if (echoing) void peer.state.submit(nextMove()).catch(() => undefined)
  })
  const info = (connection: Connection): ConnectionInfo => ({
    peer: connection.remotePeer.toString(),
    remoteAddr: connection.remoteAddr.toString(),
    direct: isDirectWebRTC(connection),
    limited: connection.limits !== undefined
  })
  return {
    peerId: peer.libp2p.peerId.toString(),
    me,
    webrtcAddress: () => peer.webrtcAddress(),
    relay: () => peer.relays.current(),
    relays: () => peer.relays.status(),
    connect: async (address) => info(await peer.connect(address)),
    connections: () => peer.libp2p.getConnections().map(info),
    selectedPairs,
    topicPeers: () => net.topicPeers(topic).map(String),
    move: async (x, y) => void (await peer.state.submit({ x, y })),
    predicted: () => peer.graph.get('predicted', peer.board, BOARD_KEY),
    confirmed: () => peer.graph.get('confirmed', peer.board, BOARD_KEY),
    pending: () => peer.policy.pending,
    corrections,
    echo: (on) => void (echoing = on),
    roundTrip: (timeoutMs = 10_000) =>
      new Promise<number>((resolve, reject) => {
        const started = performance.now()
        const timer = setTimeout(() => {
          remoteMoveListeners.delete(arrived)
          reject(new WebError('NO_ANSWER', `no answer within ${timeoutMs} ms`))
        }, timeoutMs)
        function arrived(): void {
          clearTimeout(timer)
          remoteMoveListeners.delete(arrived)
          resolve(performance.now() - started)
        }
        remoteMoveListeners.add(arrived)
        peer.state.submit(nextMove()).catch((err: unknown) => {
          clearTimeout(timer)
          remoteMoveListeners.delete(arrived)
          reject(err instanceof Error ? err : new WebError('NO_ANSWER', String(err)))
        })
      })
  }
}
