import { CoreDriver } from '@dscs/net'
import type { PeerRef, Unsubscribe } from '@dscs/interface'
import { peerIdOfPublicKey } from '@dscs/identity'
import type { SoftPartition as SoftPartitionApi, SoftPartitionComponents, SoftPartitionInit } from './index.js'
import { PROTOCOL_ID } from './core/constants.js'
import { SwimCore, type SwimEvent } from './core/core.js'
import type { LinkQuality } from './core/links.js'
import type { Member } from './core/membership.js'
import type { PartitionState } from './core/partition.js'

/**
 * The service behind {@link softPartition}: a {@link SwimCore} run by a
 * `CoreDriver`, which feeds it what the node's `Net` delivers and the time,
 * ticks it at its deadlines and carries out its effects.
 */
export class SoftPartitionService implements SoftPartitionApi {
  readonly [Symbol.toStringTag] = '@dscs/soft-partition'
  readonly #components: SoftPartitionComponents
  readonly #core: SwimCore
  readonly #driver: CoreDriver<SwimEvent>
  readonly #listeners = new Set<(event: SwimEvent) => void>()
  #started = false

  constructor(components: SoftPartitionComponents, init: SoftPartitionInit = {}) {
    this.#components = components
    this.#core = new SwimCore({
      ...init,
      identity: components.identity,
      self: components.net.self,
      // On libp2p a peer id is its key: an update cannot bind a peer to a foreign key.
      peerOfKey: (publicKey) => peerIdOfPublicKey(publicKey).toString(),
      verificationCache: components.verificationCache,
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length))
    })
    this.#driver = new CoreDriver({
      core: this.#core,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [PROTOCOL_ID],
      onEvent: (event) => {
        for (const listener of this.#listeners) listener(event)
      },
      // A lost message is what the protocol expects: the probe times out and others are asked.
      onEffectError: () => undefined
    })
  }

  start(): void {
    if (!this.#started) this.#core.start(this.#components.clock.now())
    this.#started = true
    this.#driver.start()
  }

  stop(): void {
    this.#driver.stop()
  }

  members(): Member[] {
    return this.#core.members()
  }

  link(peer: PeerRef): LinkQuality {
    return this.#core.link(peer)
  }

  partition(): PartitionState {
    return this.#core.partition()
  }

  send(peer: PeerRef, data: Uint8Array): PeerRef | undefined {
    const { via, effects } = this.#core.send(peer, data, this.#components.clock.now())
    this.#driver.apply(effects)
    return via
  }

  onEvent(listener: (event: SwimEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
