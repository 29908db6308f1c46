import type { PeerRef } from '@dscs/interface'
import type { DscsNode } from '@dscs/net'
import type { Output } from './output.js'

/**
 * Peers cut off on purpose (`/block`): hung up on, and refused both ways
 * until unblocked. How a partition is made by hand, or by a test, with real
 * processes.
 */
export class Blocklist {
  readonly #blocked = new Set<PeerRef>()

  /** The node's `allowPeer`: asked at every connection and dial. */
  readonly allows = (peer: PeerRef): boolean => !this.#blocked.has(peer)

  async block(node: DscsNode, peer: PeerRef, out: Output): Promise<void> {
    // Refused first, so the peer cannot connect again between the hang-up and the refusal.
    this.#blocked.add(peer)
    try {
      await node.net.hangUp(peer)
      out.event('blocked', { peer }, `blocked ${peer}: disconnected, refused until /unblock`)
    } catch (err) {
      this.#blocked.delete(peer)
      out.event('block-failed', { peer, error: (err as Error).message }, `could not block ${peer}: ${(err as Error).message}`)
    }
  }

  /** Allows `peer` again and dials it where the peer store knows it; a failed dial is reported, it may still dial us. */
  async unblock(node: DscsNode, peer: PeerRef, out: Output): Promise<void> {
    if (!this.#blocked.delete(peer)) {
      out.event('unblock-failed', { peer, error: 'not blocked' }, `${peer} is not blocked`)
      return
    }
    out.event('unblocked', { peer }, `unblocked ${peer}`)
    try {
      await node.net.dial(peer)
    } catch (err) {
      out.event('join-failed', { peer, error: (err as Error).message }, `could not reconnect to ${peer}: ${(err as Error).message}`)
    }
  }

  list(): PeerRef[] {
    return [...this.#blocked].sort()
  }
}
