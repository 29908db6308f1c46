import { loopbackOnly, params } from './setup.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Batch, OpStatus } from '@dscs/frp-state'
import { BOARD_KEY, type Board } from '../board.js'
import { isDirectWebRTC, startBrowserPeer, type BrowserPeer } from '../browser-peer.js'
import { selectedPairs, unlockLoopbackCandidates } from './rtc-watch.js'
import { renderBoard, renderConnections, renderRelays, logLine } from './view.js'
import { playgroundApi } from './api.js'

const $ = (id: string): HTMLElement => document.getElementById(id)!

async function main(): Promise<void> {
  // One `relay` parameter per candidate: the routing optimizer picks where the slot is held.
  const relays = params.getAll('relay')
  if (relays.length === 0) {
    $('status').textContent = 'no relay: open the URL `pnpm --filter @dscs/web playground` prints'
    return
  }
  if (loopbackOnly) await unlockLoopbackCandidates()
  const settle = params.get('settle')
  const peer = await startBrowserPeer({ relays, room: params.get('room') ?? 'playground', ...(settle === null ? {} : { settleMs: Number(settle) }) })
  const me = bytesToHex(peer.libp2p.services.net.identity.publicKey)
  $('status').textContent = `peer ${peer.libp2p.peerId.toString()} — reservation at relay ${peer.relays.current() ?? '…'}, waiting for its address`
  const corrections = wireUi(peer, me)
  window.playground = playgroundApi(peer, me, corrections)
  const invite = params.get('peer')
  if (invite !== null) void window.playground.connect(invite).catch((err: Error) => logLine(`could not connect to ${invite}: ${err.message}`))
}

/** Draws the boards and connections as they change; returns how many corrections it has shown. */
function wireUi(peer: BrowserPeer, me: string): () => number {
  const board = (view: 'predicted' | 'confirmed'): Board => peer.graph.get(view, peer.board, BOARD_KEY)
  let corrections = 0
  const draw = (flash: boolean): void => {
    renderBoard($('predicted'), board('predicted'), me, flash, (x, y) => void peer.state.submit({ x, y }).catch((err: Error) => logLine(`move refused: ${err.message}`)))
    renderBoard($('confirmed'), board('confirmed'), me, false)
    $('counters').textContent = `moves waiting to settle: ${peer.policy.pending} · corrections: ${corrections}`
  }
  peer.graph.subscribe((batch: Batch) => {
    if (batch.correction) {
      corrections++
      logLine('correction: a move arrived late and was put in its place; the board was recomputed', true)
    }
    draw(batch.correction)
  })
  peer.state.onEvent((event) => {
    if (event.type === 'op' && event.origin !== 'local') logLine(`${event.origin} move by ${bytesToHex(event.op.author).slice(0, 8)} → (${event.op.payload.x}, ${event.op.payload.y}) ${status(event.status)}`)
    if (event.type === 'refused') logLine(`refused ${event.code}: ${event.message}`, true)
  })
  const refresh = async (): Promise<void> => {
    const address = peer.webrtcAddress()
    if (address !== undefined) {
      $('status').textContent = `peer ${peer.libp2p.peerId.toString()} — reservation held at relay ${peer.relays.current() ?? '(none: choosing the next)'}${loopbackOnly ? ' (WebRTC over loopback only)' : ''}`
      const link = new URL(location.href)
      link.searchParams.set('peer', address)
      $('invite').textContent = 'open this link in another browser window to play'
      $('invite').setAttribute('href', link.toString())
    }
    renderRelays($('relays'), peer.relays.status())
    renderConnections($('connections'), peer.libp2p.getConnections(), (p) => peer.relays.isRelay(p), isDirectWebRTC, await selectedPairs())
    draw(false)
  }
  // The reservation's address comes with no event of its own; the ICE pairs change without one: poll, cheaply.
  setInterval(() => void refresh(), 1_000)
  peer.libp2p.addEventListener('connection:open', () => void refresh())
  peer.libp2p.addEventListener('connection:close', () => void refresh())
  // A reservation made or lost changes this peer's addresses.
  peer.libp2p.addEventListener('self:peer:update', () => void refresh())
  // A player who joins late sees the others' pieces: each re-announces where its piece stands.
  peer.libp2p.addEventListener('peer:connect', (event) => {
    if (peer.relays.isRelay(event.detail.toString())) return
    setTimeout(() => {
      const here = board('predicted')[me]
      if (here !== undefined) void peer.state.submit(here).catch(() => undefined)
    }, 500)
  })
  draw(false)
  return () => corrections
}

function status(value: OpStatus): string {
  return value === 'confirmed' ? '(confirmed)' : `(${value})`
}

main().catch((err: Error) => {
  $('status').textContent = `failed: ${err.message}`
  console.error(err)
})
