import { acceptAll, allowList, type AllowListPolicy } from '@dscs/frp-state'
import type { TrustPolicy } from '@dscs/interface'
import type { DscsNode } from '@dscs/net'
import { powChain, workerMiner, type ChainService } from '@dscs/trust-pow/node'
import { trustObserver, type ClientService } from '@dscs/trust-observer'
import { trustWot, type TrustWot } from '@dscs/trust-wot'
import type { TrustMode } from './config.js'
import { CliError } from './errors.js'

/** A domain's trust mode as a node runs it: the policy frp-state consults, and the services and hooks behind it. */
export interface DomainTrust {
  readonly mode: TrustMode
  readonly policy: TrustPolicy
  /** Services the mode needs on the node, by name (none for `none` and `signatures`). */
  readonly services: Readonly<Record<string, (components: object) => unknown>>
  /** Hands an op this node authored (its signed envelope's bytes) to the layer that orders it: a chain transaction, an observer submission. */
  onLocalOp(node: DscsNode, envelope: Uint8Array): Promise<void>
  /** The mode's state for the API's trust view. */
  describe(node: DscsNode): Record<string, unknown>
  /** Run once the node has started: `signatures` trusts the node's own ops. */
  readonly start?: (node: DscsNode) => void
  /** Trusts `peer`'s public key where the mode has a notion of it (`/allow`, `/trust`): signatures and web of trust. */
  readonly trustPeer?: (node: DscsNode, publicKey: Uint8Array) => Promise<void>
}

export interface DomainTrustOptions {
  readonly domain: string
  /** The observer's PeerId, for `observer`. */
  readonly observer?: string
}

// Proof-of-work for a local network: about 260 000 hashes a block, a fraction of a second on a worker thread.
const DEMO_POW_LIMIT = (1n << 238n) - 1n
const CONFIRMATIONS = 2
// Web of trust: checkpoints every 2 s, confirmed when observers holding 30% of this node's trust budget agree.
const WOT_INTERVAL_MS = 2_000
const WOT_THRESHOLD = 0.3

/** The trust of a domain under `mode`, with what the node must run for it. */
export function domainTrust(mode: TrustMode, options: DomainTrustOptions): DomainTrust {
  switch (mode) {
    case 'none':
      return { mode, policy: acceptAll(), services: {}, onLocalOp: async () => {}, describe: () => ({}) }
    case 'signatures': {
      const policy: AllowListPolicy = allowList([], { others: 'pending' })
      return {
        mode,
        policy,
        services: {},
        onLocalOp: async () => {},
        describe: () => ({ allowedAuthors: policy.authors(), pendingOps: policy.pendingCount() }),
        start: (node) => policy.allow(node.identity.publicKey),
        trustPeer: async (_node, publicKey) => policy.allow(publicKey)
      }
    }
    case 'proof-of-work': {
      const chain = powChain({ network: `dscs-${options.domain}`, powLimit: DEMO_POW_LIMIT, mine: true, miner: workerMiner() })
      const service = (node: DscsNode) => node.libp2p.services.chain as ChainService
      return {
        mode,
        policy: chain.trustPolicy({ confirmations: CONFIRMATIONS }),
        services: { chain },
        onLocalOp: async (node, envelope) => void service(node).submit(envelope),
        describe: (node) => ({ confirmations: CONFIRMATIONS, height: service(node).tip.height, tip: service(node).tip.id })
      }
    }
    case 'web-of-trust': {
      const wot = trustWot()
      const service = (node: DscsNode) => node.libp2p.services.wot as TrustWot
      return {
        mode,
        policy: wot.trustPolicy({ domains: { [options.domain]: { threshold: WOT_THRESHOLD, onLowTrust: 'nullify' } }, interval: WOT_INTERVAL_MS, observe: true }),
        services: { wot },
        onLocalOp: async () => {},
        describe: (node) => ({ threshold: WOT_THRESHOLD, latestTrustedCheckpoint: service(node).latestTrustedRoot(options.domain, WOT_THRESHOLD)?.version ?? null }),
        trustPeer: async (node, publicKey) => void (await service(node).trust(publicKey, { level: 100, expires: Date.now() + 86_400_000 }))
      }
    }
    case 'observer': {
      if (options.observer === undefined) throw new CliError('BAD_OPTION', `domain ${options.domain}: the observer trust mode needs the observer's PeerId`)
      const client = trustObserver({ role: 'client', observer: options.observer })
      const service = (node: DscsNode) => node.libp2p.services.log as ClientService
      return {
        mode,
        policy: client.trustPolicy(),
        services: { log: client },
        onLocalOp: async (node, envelope) => void (await service(node).submit(envelope)),
        describe: (node) => ({ observer: options.observer, trustedHeadSize: service(node).trusted?.value.size ?? null, equivocation: service(node).evidence !== undefined })
      }
    }
  }
}
