import type { PeerRef } from '@dscs/interface'
import type { ContentRouting } from '@libp2p/interface'

/** A content id as libp2p's content routing takes it (a multiformats CID). */
export type RoutedContent = Parameters<ContentRouting['provide']>[0]

/** A peer that says it provides some content, and where it listens. */
export interface Provider {
  readonly peer: PeerRef
  readonly addresses: readonly string[]
}

/**
 * Provider records of the node's content routing (kad-dht when it runs). A
 * node without a content router still has this port: `provide` resolves to
 * false and `findProviders` finds nobody, so protocols need no check.
 */
export interface ContentProviders {
  /** Announces this node as a provider of `cid` (re-announced by the router itself); false without a content router. */
  provide(cid: RoutedContent, signal?: AbortSignal): Promise<boolean>
  /** The providers of `cid` as the router finds them; none without a content router. */
  findProviders(cid: RoutedContent, signal?: AbortSignal): AsyncIterable<Provider>
}

/** {@link ContentProviders} on libp2p's content routing (`components.contentRouting`). */
export function libp2pProviders(routing: ContentRouting): ContentProviders {
  return {
    async provide(cid, signal) {
      try {
        await routing.provide(cid, signal === undefined ? {} : { signal })
        return true
      } catch (err) {
        if (noRouter(err)) return false
        throw err
      }
    },
    async *findProviders(cid, signal) {
      try {
        for await (const found of routing.findProviders(cid, signal === undefined ? {} : { signal })) {
          yield { peer: found.id.toString(), addresses: found.multiaddrs.map((address) => address.toString()) }
        }
      } catch (err) {
        if (!noRouter(err)) throw err
      }
    }
  }
}

/** libp2p's compound router refuses every call when no router (no DHT) is registered. */
function noRouter(err: unknown): boolean {
  return err instanceof Error && err.name === 'NoContentRoutersError'
}
