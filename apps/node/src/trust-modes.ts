import { acceptAll, allowList, type AllowListPolicy } from '@dscs/frp-state'
import type { TrustPolicy } from '@dscs/interface'
import type { DscsNode } from '@dscs/net'
import { powChain, workerMiner, type ChainService, type PowChainFactory } from '@dscs/trust-pow/node'
import { trustObserver, type ClientFactory, type ClientService } from '@dscs/trust-observer'
import { trustWot, type TrustWot, type TrustWotFactory } from '@dscs/trust-wot'
import type { TrustMode } from './config.js'
import { CliError } from './errors.js'

/** A domain's trust mode as a node runs it: the policy frp-state consults, and the hooks behind it (the services are the node's, {@link NodeTrust}). */
export interface DomainTrust {
  readonly mode: TrustMode
  readonly policy: TrustPolicy
  /** Hands an op this node authored (its signed envelope's bytes) to the layer that orders it: a chain transaction, an observer submission. */
  onLocalOp(node: DscsNode, envelope: Uint8Array): Promise<void>
  /** The mode's state for the API's trust view. */
  describe(node: DscsNode): Record<string, unknown>
  /** Run once the node has started: `signatures` trusts the node's own ops. */
  readonly start?: (node: DscsNode) => void
  /** Trusts `peer`'s public key where the mode has a notion of it (`/allow`, `/trust`): signatures and web of trust. */
  readonly trustPeer?: (node: DscsNode, publicKey: Uint8Array) => Promise<void>
}

// Proof-of-work for a local network: about 260 000 hashes a block, a fraction of a second on a worker thread.
const DEMO_POW_LIMIT = (1n << 238n) - 1n
const CONFIRMATIONS = 2
// Web of trust: checkpoints every 2 s, confirmed when observers holding 30% of this node's trust budget agree.
const WOT_INTERVAL_MS = 2_000
const WOT_THRESHOLD = 0.3
/** The chain every domain under proof-of-work shares: one chain per node, its transactions the ops of every such domain. */
const POW_NETWORK = 'dscs-state'

/**
 * The trust layers of one node, shared by its state domains: one proof-of-work
 * chain, one web of trust, one observer client, each built the first time a
 * domain's mode needs it; every domain gets its own policy on them.
 */
export class NodeTrust {
  #chain: PowChainFactory | undefined
  #wot: TrustWotFactory | undefined
  #observer: { readonly peerId: string; readonly client: ClientFactory } | undefined

  /** The services the domains' modes need on the node, by name: `chain`, `wot`, `log` (none for `none` and `signatures`). */
  get services(): Readonly<Record<string, (components: object) => unknown>> {
    return { ...(this.#chain === undefined ? {} : { chain: this.#chain }), ...(this.#wot === undefined ? {} : { wot: this.#wot }), ...(this.#observer === undefined ? {} : { log: this.#observer.client }) }
  }

  /** The trust of `domain` under `mode`; `observer` is the observer's PeerId for `observer`, the same for every domain of a node. */
  domain(domain: string, mode: TrustMode, observer?: string): DomainTrust {
    switch (mode) {
      case 'none':
        return { mode, policy: acceptAll(), onLocalOp: async () => {}, describe: () => ({}) }
      case 'signatures': {
        const policy: AllowListPolicy = allowList([], { others: 'pending' })
        return {
          mode,
          policy,
          onLocalOp: async () => {},
          describe: () => ({ allowedAuthors: policy.authors(), pendingOps: policy.pendingCount() }),
          start: (node) => policy.allow(node.identity.publicKey),
          trustPeer: async (_node, publicKey) => policy.allow(publicKey)
        }
      }
      case 'proof-of-work': {
        this.#chain ??= powChain({ network: POW_NETWORK, powLimit: DEMO_POW_LIMIT, mine: true, miner: workerMiner() })
        const service = (node: DscsNode) => node.libp2p.services.chain as ChainService
        return {
          mode,
          policy: this.#chain.trustPolicy({ confirmations: CONFIRMATIONS }),
          onLocalOp: async (node, envelope) => void service(node).submit(envelope),
          describe: (node) => ({ confirmations: CONFIRMATIONS, height: service(node).tip.height, tip: service(node).tip.id })
        }
      }
      case 'web-of-trust': {
        this.#wot ??= trustWot()
        const service = (node: DscsNode) => node.libp2p.services.wot as TrustWot
        return {
          mode,
          policy: this.#wot.trustPolicy({ domains: { [domain]: { threshold: WOT_THRESHOLD, onLowTrust: 'nullify' } }, interval: WOT_INTERVAL_MS, observe: true }),
          onLocalOp: async () => {},
          describe: (node) => ({ threshold: WOT_THRESHOLD, latestTrustedCheckpoint: service(node).latestTrustedRoot(domain, WOT_THRESHOLD)?.version ?? null }),
          trustPeer: async (node, publicKey) => void (await service(node).trust(publicKey, { level: 100, expires: Date.now() + 86_400_000 }))
        }
      }
      case 'observer': {
        if (observer === undefined) throw new CliError('BAD_OPTION', `domain ${domain}: the observer trust mode needs the observer's PeerId`)
        if (this.#observer !== undefined && this.#observer.peerId !== observer) {
          throw new CliError('BAD_OPTION', `domain ${domain}: observer ${observer}, but another domain names ${this.#observer.peerId}; a node has one observer client`)
        }
        this.#observer ??= { peerId: observer, client: trustObserver({ role: 'client', observer }) }
        const { client } = this.#observer
        const service = (node: DscsNode) => node.libp2p.services.log as ClientService
        return {
          mode,
          policy: client.trustPolicy(),
          onLocalOp: async (node, envelope) => void (await service(node).submit(envelope)),
          describe: (node) => ({ observer, trustedHeadSize: service(node).trusted?.value.size ?? null, equivocation: service(node).evidence !== undefined })
        }
      }
    }
  }
}
