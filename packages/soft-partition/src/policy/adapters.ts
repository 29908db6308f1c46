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

/**
 * A layer that reconciles peer by peer: frp-state anti-entropy (`core.sync(peer, now)`), a Yjs
 * state-vector exchange, a chain's sync from a peer's tip. `sync` starts it with one rejoined
 * peer and resolves to how many items it found diverged, when it can tell.
 */
export function peerSyncHealLayer(name: string, sync: (peer: PeerRef) => Promise<number | void> | number | void): HealLayer {
  return {
    name,
    heal: async (rejoined): Promise<LayerHealReport> => {
      let diverged = 0
      for (const peer of rejoined) diverged += (await sync(peer)) ?? 0
      return { layer: name, diverged, nullified: 0 }
    }
  }
}
