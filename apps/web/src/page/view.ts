import type { Connection } from '@libp2p/interface'
import { BOARD_SIZE, type Board } from '../board.js'
import type { SelectedPair } from './rtc-watch.js'
import type { RelayStatus } from '../relay-reservation.js'

/** A player's colour, from its key: the same on every page. */
const colour = (player: string): string => `hsl(${parseInt(player.slice(0, 6), 16) % 360} 70% 50%)`

/** Draws `board` into `element`; `onMove` makes its cells clickable. */
export function renderBoard(element: HTMLElement, board: Board, me: string, flash: boolean, onMove?: (x: number, y: number) => void): void {
  const cells: HTMLElement[] = []
  for (let y = 0; y < BOARD_SIZE; y++) {
    for (let x = 0; x < BOARD_SIZE; x++) {
      const cell = document.createElement('div')
      cell.className = 'cell'
      cell.dataset.x = String(x)
      cell.dataset.y = String(y)
      if (onMove !== undefined) cell.addEventListener('click', () => onMove(x, y))
      cells.push(cell)
    }
  }
  for (const [player, { x, y }] of Object.entries(board)) {
    const piece = document.createElement('div')
    piece.className = player === me ? 'piece mine' : 'piece'
    piece.style.background = colour(player)
    piece.title = player.slice(0, 16)
    cells[y * BOARD_SIZE + x]!.append(piece)
  }
  element.replaceChildren(...cells)
  if (flash) {
    element.classList.remove('corrected')
    void element.offsetWidth
    element.classList.add('corrected')
  }
}

/** Lists the page's connections, saying which is the relay and which is direct WebRTC (with its ICE pair). */
export function renderConnections(element: HTMLElement, connections: readonly Connection[], isRelay: (peer: string) => boolean, direct: (c: Connection) => boolean, pairs: readonly SelectedPair[]): void {
  element.replaceChildren(
    ...connections.map((connection) => {
      const item = document.createElement('li')
      const peer = connection.remotePeer.toString()
      const kind = isRelay(peer) ? 'relay node (WebSockets)' : direct(connection) ? 'direct WebRTC' : 'relayed'
      item.textContent = `${kind}: ${connection.remoteAddr.toString()}`
      return item
    }),
    ...pairs.map((pair) => {
      const item = document.createElement('li')
      item.textContent = `WebRTC ICE pair: ${pair.local} (${pair.localType}) ⇄ ${pair.remote} (${pair.remoteType}) over ${pair.protocol}`
      return item
    })
  )
}

/** Lists the candidate relays best first, as the routing optimizer ranks them: measured RTT, score, and where the slot is held. */
export function renderRelays(element: HTMLElement, relays: readonly RelayStatus[]): void {
  element.replaceChildren(
    ...relays.map((relay) => {
      const item = document.createElement('li')
      const rtt = relay.rttMs === null ? 'RTT not measured' : `RTT ${relay.rttMs.toFixed(0)} ms`
      item.textContent = `${relay.reserved ? 'slot held at' : 'candidate'} relay ${relay.peer.slice(-8)}: ${rtt}, score ${relay.score.toFixed(2)}`
      return item
    })
  )
}

/** Adds a line to the page's event log (newest first, at most 50). */
export function logLine(text: string, correction = false): void {
  const log = document.getElementById('log')!
  const item = document.createElement('li')
  item.textContent = `${new Date().toISOString().slice(11, 23)} ${text}`
  if (correction) item.className = 'correction'
  log.prepend(item)
  while (log.children.length > 50) log.lastElementChild!.remove()
}
