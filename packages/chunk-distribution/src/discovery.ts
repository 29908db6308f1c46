import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, Net, PeerRef } from '@dscs/interface'
import { CoreDriver, type ContentProviders, type Timers } from '@dscs/net'
import { ANNOUNCE_TOPIC } from './core/constants.js'
import { contentKey, type ContentId } from './core/content-id.js'
import { DiscoveryCore, type DiscoveryEvent } from './core/discovery/core.js'
import type { DiscoveryLimits } from './core/discovery/options.js'
import { positive } from './core/transfer/options.js'

/** What provider discovery needs of the node: a Net that can dial, a key to sign with, and content routing if any. */
export interface DiscoveryComponents {
  readonly net: Net & Required<Pick<Net, 'dial'>>
  readonly clock: Clock
  readonly timers: Timers
  readonly identity: Identity
  readonly verificationCache?: VerificationCache
  readonly providers?: ContentProviders
}

/** Whether `net` can dial peers: a libp2p Net can, the simulator's cannot. */
export function canDial(net: Net): net is Net & Required<Pick<Net, 'dial'>> {
  return net.dial !== undefined
}

export interface DiscoveryInit extends DiscoveryLimits {
  /** Provide seeded content and look downloads up through the node's content routing (kad-dht). Default true. */
  readonly dht?: boolean
  /** A download still under way looks its providers up again this long after the last lookup ended, ms. Default 30 s. */
  readonly lookupInterval?: number
  /** A lookup of providers is given up after this long, ms. Default 30 s. */
  readonly lookupTimeout?: number
}

/**
 * Finds the peers holding a download's content beyond those connected: a
 * {@link DiscoveryCore} on the announcement topic, run by its own
 * `CoreDriver`, whose dials this carries out on the Net; and, when the node
 * has content routing, DHT provider records — seeded content provided, one at
 * a time, and each download's providers looked up while it runs, their dials
 * bounded by the same core.
 */
export class ContentDiscovery {
  readonly #components: DiscoveryComponents
  readonly #core: DiscoveryCore
  readonly #driver: CoreDriver<DiscoveryEvent>
  readonly #dht: boolean
  readonly #lookupInterval: number
  readonly #lookupTimeout: number
  /** Lookups under way, per download; aborted when it completes or the node stops. */
  readonly #lookups = new Map<string, AbortController>()
  readonly #toProvide: ContentId[] = []
  readonly #provided = new Set<string>()
  readonly #stopping = new AbortController()
  #providing = false

  constructor(components: DiscoveryComponents, init: DiscoveryInit, onEvent: (event: Exclude<DiscoveryEvent, { type: 'dial' }>) => void) {
    this.#components = components
    const { dht, lookupInterval, lookupTimeout, ...limits } = init
    this.#dht = dht !== false && components.providers !== undefined
    this.#lookupInterval = positive(lookupInterval, 30_000, 'lookupInterval')
    this.#lookupTimeout = positive(lookupTimeout, 30_000, 'lookupTimeout')
    const { net, clock, identity, verificationCache } = components
    this.#core = new DiscoveryCore(
      {
        ...limits,
        identity,
        self: net.self,
        ...(net.addresses === undefined ? {} : { addresses: () => net.addresses?.() ?? [] }),
        ...(verificationCache === undefined ? {} : { verificationCache })
      },
      clock.now()
    )
    this.#driver = new CoreDriver<DiscoveryEvent>({
      core: this.#core,
      net,
      clock,
      timers: components.timers,
      protocols: [],
      topics: limits.announce === false ? [] : [ANNOUNCE_TOPIC],
      // An announcement lost (no topic peer yet) is made good by the next one.
      onEvent: (event) => (event.type === 'dial' ? this.#dial(event.peer, event.addresses) : onEvent(event))
    })
  }

  /** Joins the topic, with the peers connected already; libp2p's `afterStart`. */
  start(): void {
    this.#driver.start()
    for (const peer of this.#components.net.peers()) this.#driver.apply(this.#core.peerConnected(peer))
  }

  /** Leaves the topic and gives up lookups and provides; libp2p's `beforeStop`. */
  stop(): void {
    this.#driver.stop()
    this.#stopping.abort()
    for (const lookup of this.#lookups.values()) lookup.abort()
    this.#lookups.clear()
  }

  /** `cid` is being downloaded, `held` of its `chunks` held (0 of 0 before the manifest). */
  download(cid: ContentId, held: number, chunks: number): void {
    this.#driver.apply(this.#core.download(cid, held, chunks, this.#components.clock.now()))
    if (chunks > 0 && held === chunks) this.#provide(cid)
    else this.#lookUp(cid)
  }

  /** A download holds more; complete, it is seeded (and provided) from now on. */
  progress(cid: ContentId, held: number, chunks: number): void {
    this.#driver.apply(this.#core.progress(cid, held, chunks, this.#components.clock.now()))
    if (held !== chunks) return
    this.#lookups.get(contentKey(cid))?.abort()
    this.#lookups.delete(contentKey(cid))
    this.#provide(cid)
  }

  /** `cid` is held whole and served. */
  seed(cid: ContentId, chunks: number): void {
    this.progress(cid, chunks, chunks)
  }

  #dial(peer: PeerRef, addresses: readonly string[]): void {
    const settle = (): void => {
      if (!this.#stopping.signal.aborted) this.#driver.apply(this.#core.dialed(peer, this.#components.clock.now()))
    }
    // The core tries a failed dial again later, while the download runs.
    this.#components.net.dial(peer, addresses).then(settle, settle)
  }

  /** Provides `cid` once, after the provides before it: each is a DHT query. */
  #provide(cid: ContentId): void {
    const key = contentKey(cid)
    if (!this.#dht || this.#provided.has(key)) return
    this.#provided.add(key)
    this.#toProvide.push(cid)
    if (!this.#providing) void this.#provideAll()
  }

  async #provideAll(): Promise<void> {
    const providers = this.#components.providers!
    this.#providing = true
    for (let cid = this.#toProvide.shift(); cid !== undefined && !this.#stopping.signal.aborted; cid = this.#toProvide.shift()) {
      try {
        // The DHT re-provides what it provided; without a content router there is nothing to do.
        if (!(await providers.provide(cid, this.#stopping.signal))) this.#toProvide.length = 0
      } catch {
        // No peer took the record (or the node stops): the DHT's own re-provide tries again.
      }
    }
    this.#providing = false
  }

  /** Looks the providers of a download up, again every `lookupInterval` until it completes. */
  #lookUp(cid: ContentId): void {
    const key = contentKey(cid)
    if (!this.#dht || this.#lookups.has(key)) return
    const lookup = new AbortController()
    this.#lookups.set(key, lookup)
    void this.#lookUpUntilDone(cid, lookup.signal)
  }

  async #lookUpUntilDone(cid: ContentId, done: AbortSignal): Promise<void> {
    const providers = this.#components.providers!
    while (!done.aborted) {
      try {
        for await (const provider of providers.findProviders(cid, AbortSignal.any([done, AbortSignal.timeout(this.#lookupTimeout)]))) {
          if (done.aborted) return
          this.#driver.apply(this.#core.found(cid, provider.peer, provider.addresses))
        }
      } catch {
        // A lookup that failed or timed out is tried again after the interval.
      }
      await pause(this.#components.timers, this.#lookupInterval, done)
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(timers: Timers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const abort = (): void => {
      cancel()
      resolve()
    }
    const cancel = timers.schedule(() => {
      signal.removeEventListener('abort', abort)
      resolve()
    }, ms)
    signal.addEventListener('abort', abort, { once: true })
  })
}
