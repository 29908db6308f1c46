import { peerIdOfPublicKey, publicKeyOfPeer } from '@dscs/identity'
import type { CoreEffect, PeerRef, Store, Unsubscribe } from '@dscs/interface'
import { CoreDriver } from '@dscs/net'
import { encodeEnvelope, type Envelope } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { ClientCore, type ClientEvent, type ClientOptions } from './core/client-core.js'
import { PROTOCOL_ID } from './core/constants.js'
import { ObserverError } from './core/errors.js'
import type { VerifiedEvidence } from './core/evidence.js'
import { observerTrustPolicy, type ObserverTrustOptions, type ObserverTrustPolicy } from './core/policy.js'
import type { VerifiedReceipt } from './core/receipts.js'
import type { Signed, TreeHead } from './core/statements.js'
import type { TrustObserverComponents } from './observer-service.js'

/** Options of a client or witness: the core's, with the observer named by its key, its peer, or both. */
export interface ClientInit extends Omit<ClientOptions, 'observer'> {
  /**
   * The observer: its key (its peer is then the libp2p PeerId of that key), its
   * PeerId string (its key is then the one inside), or both when they differ.
   */
  readonly observer: { readonly publicKey?: Uint8Array; readonly peer?: PeerRef } | PeerRef
  /** Where the latest verified head is kept, so a restart checks the observer against it. Default the node's store; `false` for none. */
  readonly store?: Store | false
}

type Settle = { readonly resolve: (value: never) => void; readonly reject: (error: ObserverError) => void }

const encoder = new TextEncoder()

/**
 * The client (or witness) role on a node: a {@link ClientCore} run by a
 * `CoreDriver` on the node's Net, subscribed to the observer's topic, with
 * promises for submissions and entry reads, the latest verified head kept in
 * the store, and a TrustPolicy for frp-state.
 */
export class ClientService {
  readonly [Symbol.toStringTag] = '@dscs/trust-observer/client'
  readonly core: ClientCore
  readonly #components: TrustObserverComponents
  readonly #driver: CoreDriver<ClientEvent>
  readonly #listeners = new Set<(event: ClientEvent) => void>()
  readonly #waiting = new Map<number, Settle>()
  readonly #store: Store | undefined
  readonly #latestKey: Uint8Array
  #running = false
  #saved = -1
  #writes: Promise<void> = Promise.resolve()

  constructor(components: TrustObserverComponents, init: ClientInit) {
    this.#components = components
    const { observer, store, ...options } = init
    this.core = new ClientCore({ ...options, observer: resolveObserver(observer), identity: components.identity, verificationCache: components.verificationCache })
    this.#store = store === false ? undefined : (store ?? components.store)
    this.#latestKey = encoder.encode(`trust-observer/client/${bytesToHex(this.core.observer.publicKey)}/latest`)
    this.#driver = new CoreDriver({
      core: this.core,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [PROTOCOL_ID],
      handling: { [PROTOCOL_ID]: { maxMessageBytes: this.core.limits.maxMessageBytes } },
      topics: [this.core.topic],
      onEvent: (event) => this.#onEvent(event)
    })
  }

  /** Reads back the latest head verified in an earlier run: new heads must be consistent with it. libp2p calls it as the node starts. */
  async start(): Promise<void> {
    const bytes = await this.#store?.get(this.#latestKey)
    if (bytes === undefined) return
    try {
      this.#driver.apply(this.core.restore(bytes, this.#components.clock.now()))
    } catch (err) {
      // A damaged record is no reason not to start: the next head is taken on trust, as on a first start.
      if (!(err instanceof ObserverError)) throw err
    }
  }

  /** Joins the observer's topic, and asks for its head if it is connected already (else as it connects). libp2p calls it after every service started. */
  afterStart(): void {
    this.#running = true
    this.#driver.start()
    // Not before it connects: a dial to a peer of no known address fails, and a join dialling it meanwhile fails with it.
    if (this.#components.net.peers().includes(this.core.observer.peer)) this.#driver.apply(this.core.poll(this.#components.clock.now()))
  }

  /** Leaves the topic while the node still runs; pending submissions fail with `NOT_RUNNING`. libp2p calls it as the node begins to stop. */
  beforeStop(): void {
    this.#running = false
    this.#driver.stop()
    for (const settle of this.#waiting.values()) settle.reject(new ObserverError('NOT_RUNNING', 'the client stopped'))
    this.#waiting.clear()
  }

  /** Waits for the last write of the latest head. libp2p calls it as the node stops. */
  async stop(): Promise<void> {
    this.beforeStop()
    await this.#writes
  }

  /**
   * Submits a signed envelope (or its encoding) to the observer and resolves
   * to the receipt once it checked out: the entry is durably committed at
   * `receipt.index`. Rejects with an ObserverError: the observer's refusal
   * (`QUEUE_FULL`, `NOT_ALLOWED`, …), `TIMEOUT`, `BAD_RECEIPT`, `UNTRUSTED`
   * or `NOT_RUNNING`. The entry is then watched: an `included` event follows
   * once it is proven under a trusted head, or evidence of omission.
   */
  submit(envelope: Uint8Array | Envelope): Promise<VerifiedReceipt> {
    const bytes = envelope instanceof Uint8Array ? envelope : encodeEnvelope(envelope)
    return this.#call(() => this.core.submit(bytes, this.#components.clock.now()))
  }

  /** The observer's entries from `start` to `end` (exclusive), or fewer if the answer would be too large. */
  entries(start: number, end: number): Promise<readonly Uint8Array[]> {
    return this.#call(() => this.core.entries(start, end, this.#components.clock.now()))
  }

  /** The latest head verified consistent with every head before it. */
  get latest(): Signed<TreeHead> | undefined {
    return this.core.latest
  }

  /** The latest verified head with the cosignatures required. */
  get trusted(): Signed<TreeHead> | undefined {
    return this.core.trusted
  }

  /** The evidence that made the observer untrusted, once there is some. */
  get evidence(): VerifiedEvidence | undefined {
    return this.core.evidence
  }

  includedAt(id: string): number | undefined {
    return this.core.includedAt(id)
  }

  watch(id: string): void {
    this.#driver.apply(this.core.watch(id, this.#components.clock.now()).effects)
  }

  unwatch(id: string): void {
    this.core.unwatch(id)
  }

  /** Every event of the core: verified heads, inclusions, evidence, unanswered requests. */
  onEvent(listener: (event: ClientEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** A TrustPolicy on this client, for frp-state: ops confirmed once proven in the observer's log. */
  trustPolicy(options: ObserverTrustOptions = {}): ObserverTrustPolicy {
    return observerTrustPolicy(this, options)
  }

  #call<T>(start: () => { readonly request: number; readonly effects: CoreEffect<ClientEvent>[] }): Promise<T> {
    if (!this.#running) return Promise.reject(new ObserverError('NOT_RUNNING', 'start the client (or its node) first'))
    return new Promise<T>((resolve, reject) => {
      const { request, effects } = start()
      this.#waiting.set(request, { resolve: resolve, reject })
      this.#driver.apply(effects)
    })
  }

  #onEvent(event: ClientEvent): void {
    if (event.type === 'receipt' || event.type === 'entries' || event.type === 'refused') {
      const settle = this.#waiting.get(event.request)
      this.#waiting.delete(event.request)
      if (event.type === 'refused') settle?.reject(event.error)
      else settle?.resolve((event.type === 'receipt' ? event.receipt : event.entries) as never)
    }
    if (event.type === 'head') this.#save(event.head)
    for (const listener of this.#listeners) listener(event)
  }

  /** Keeps the latest verified head, once per new size. */
  #save(head: Signed<TreeHead>): void {
    const store = this.#store
    const latest = this.core.latest
    if (store === undefined || latest !== head || head.value.size <= this.#saved) return
    this.#saved = head.value.size
    this.#writes = this.#writes.then(() => store.put(this.#latestKey, head.bytes)).catch(() => {})
  }
}

function resolveObserver(observer: ClientInit['observer']): { publicKey: Uint8Array; peer: PeerRef } {
  if (typeof observer === 'string') return { publicKey: publicKeyOfPeer(observer), peer: observer }
  const publicKey = observer.publicKey ?? (observer.peer === undefined ? undefined : publicKeyOfPeer(observer.peer))
  if (publicKey === undefined) throw new ObserverError('INVALID_OPTION', 'name the observer by its key, its peer, or both')
  return { publicKey, peer: observer.peer ?? peerIdOfPublicKey(publicKey).toString() }
}
