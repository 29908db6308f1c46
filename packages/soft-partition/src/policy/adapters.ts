import type { PeerRef } from '@dscs/interface'
import type { HealLayer, LayerHealReport } from './heal.js'
import type { TentativeTrustPolicy } from './tentative-trust.js'

/** The heal of the `tentative` policy: re-confirms what the minority wrote, reports what the bound nullified. */
export function tentativeHealLayer(policy: TentativeTrustPolicy, name = 'tentative'): HealLayer {
  return {
    name,
    heal: (): LayerHealReport => {
      const { confirmed, nullified } = policy.reconfirm()
      return { layer: name, diverged: confirmed, nullified }
    }
  }
}

/** What one peer's sync found: the items taken from the peer and those sent to it, or only how many diverged. */
export type PeerSyncResult = { readonly received: number; readonly sent: number } | number | void

/**
 * A layer that reconciles peer by peer: frp-state (`FrpState.sync(peer)`: anti-entropy and a Yjs state-vector
 * exchange, resolving with the ops received and sent), or any other whose sync starts with one peer. `sync` runs
 * with each rejoined peer in turn (at once, the same item missing here would come from each and count twice) and
 * resolves to what it found; a peer whose sync fails (e.g. a member back in view before its connection, which
 * stays silent) is listed in `peerErrors`, and the others go on.
 */
export function peerSyncHealLayer(name: string, sync: (peer: PeerRef) => Promise<PeerSyncResult> | PeerSyncResult): HealLayer {
  return {
    name,
    heal: async (rejoined): Promise<LayerHealReport> => {
      let received = 0
      let sent = 0
      let other = 0
      const peerErrors: { peer: PeerRef; error: unknown }[] = []
      for (const peer of rejoined) {
        try {
          const result = await sync(peer)
          if (typeof result === 'number') other += result
          else if (result !== undefined) {
            received += result.received
            sent += result.sent
          }
        } catch (error) {
          peerErrors.push({ peer, error })
        }
      }
      return { layer: name, diverged: received + sent + other, received, sent, nullified: 0, ...(peerErrors.length === 0 ? {} : { peerErrors }) }
    }
  }
}

/** What {@link chainSyncHealLayer} needs: trust-pow's `ChainService`, whose `sync(peer)` reports what the chain did. */
export interface ChainSyncer {
  sync(peer: PeerRef): Promise<{
    readonly connected: readonly string[]
    readonly disconnected: readonly string[]
    readonly nullified: readonly string[]
    readonly requeued: number
  }>
}

/**
 * trust-pow's chain sync as a heal layer: syncs with up to `peers` (3) rejoined members in turn (the heavier branch
 * is with any of them; more than one guards against one that lags) and reports the blocks the reorganisations
 * swapped as diverged, and the transactions of the losing branch as nullified — by id, and how many were requeued.
 */
export function chainSyncHealLayer(chain: ChainSyncer, options: { readonly name?: string; readonly peers?: number } = {}): HealLayer {
  const name = options.name ?? 'trust-pow'
  return {
    name,
    heal: async (rejoined): Promise<LayerHealReport> => {
      let diverged = 0
      let requeued = 0
      const nullifiedIds: string[] = []
      // In turn, not at once: each sync reports what the chain did while it ran, so overlapping ones would count twice.
      for (const peer of rejoined.slice(0, options.peers ?? 3)) {
        const report = await chain.sync(peer)
        diverged += report.connected.length + report.disconnected.length
        nullifiedIds.push(...report.nullified)
        requeued += report.requeued
      }
      return { layer: name, diverged, nullified: nullifiedIds.length, nullifiedIds, requeued }
    }
  }
}

/** What {@link observerHealLayer} needs: trust-observer's `ClientService`, whose `crossCheck()` compares heads with the rejoined side. */
export interface ObserverCrossChecker {
  crossCheck(): Promise<{ readonly evidence: { readonly kind: string } | undefined }>
}

/**
 * trust-observer's consistency check as a heal layer: the client and the rejoined side exchange their latest heads of
 * the observer's log and check them for consistency; an observer that showed the components different logs is
 * reported as an `equivocation` (the evidence's kind), counted as one diverged item.
 */
export function observerHealLayer(client: ObserverCrossChecker, name = 'trust-observer'): HealLayer {
  return {
    name,
    heal: async (): Promise<LayerHealReport> => {
      const { evidence } = await client.crossCheck()
      return evidence === undefined ? { layer: name, diverged: 0, nullified: 0 } : { layer: name, diverged: 1, nullified: 0, equivocation: evidence.kind }
    }
  }
}
