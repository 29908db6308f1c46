import { CoreDriver } from '@dscs/net'
import type { Unsubscribe } from '@dscs/interface'
import { peerIdOfPublicKey, publicKeyOfPeer } from '@dscs/identity'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { TrustWot as TrustWotApi, TrustWotComponents, TrustWotInit, TrusteeRef } from './index.js'
import { F2F_PROTOCOL_ID, MAX_RECORDS_MESSAGE_BYTES, MAX_ROUTED_BYTES, PROTOCOL_ID, RECORDS_TOPIC } from './core/constants.js'
import { TrustWotCore, type StoredRecord, type TrustWotEvent } from './core/core.js'
import { TrustWotError } from './core/errors.js'
import { FriendRouter, type FriendEvent, type PeerDirectory } from './core/f2f.js'
import type { Attestation, AttestationTerms, TrustedRoot } from './core/attestation.js'
import { WotTrustPolicy, type WotTrustPolicyOptions } from './core/policy.js'
import type { StatementTerms, TrustRecord } from './core/record.js'
import type { Viewpoint } from './core/viewpoint.js'

/** Where records live in the node's store: this prefix, then the record's 32-byte id. */
const STORE_PREFIX = new TextEncoder().encode('trust-wot/r/')

/** What the service reports: the core's and the friend router's events, and records the store could not read back or write. */
export type TrustWotServiceEvent = TrustWotEvent | FriendEvent | { readonly type: 'corrupt'; readonly id: string; readonly error: TrustWotError }

/** Peers as libp2p names them: a PeerId holds its Ed25519 key. */
export const libp2pDirectory: PeerDirectory = {
  keyOf(peer) {
    try {
      return bytesToHex(publicKeyOfPeer(peer))
    } catch {
      return undefined
    }
  },
  peerOf(key) {
    try {
      return peerIdOfPublicKey(hexToBytes(key)).toString()
    } catch {
      return undefined
    }
  }
}

/**
 * The service behind {@link trustWot}: a {@link TrustWotCore} run by a
 * `CoreDriver` on the node's `Net` (the records topic and the Records
 * protocol), with every record kept in the node's store (LevelDB under its
 * data directory) and read back at start.
 */
export class TrustWotService implements TrustWotApi {
  readonly [Symbol.toStringTag] = '@dscs/trust-wot'
  readonly core: TrustWotCore
  readonly router: FriendRouter
  readonly #components: TrustWotComponents
  readonly #driver: CoreDriver<TrustWotEvent>
  readonly #routing: CoreDriver<FriendEvent>
  readonly #listeners = new Set<(event: TrustWotServiceEvent) => void>()
  #writes: Promise<void> = Promise.resolve()
  #running = false

  constructor(components: TrustWotComponents, init: TrustWotInit = {}) {
    this.#components = components
    this.core = new TrustWotCore({ ...init, identity: components.identity, verificationCache: components.verificationCache })
    this.#driver = new CoreDriver({
      core: this.core,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [PROTOCOL_ID],
      handling: { [PROTOCOL_ID]: { maxMessageBytes: MAX_RECORDS_MESSAGE_BYTES + 1_024 } },
      topics: [RECORDS_TOPIC],
      onEvent: (event) => this.#onEvent(event)
    })
    this.router = new FriendRouter({
      identity: components.identity,
      graph: this.core,
      directory: components.directory ?? libp2pDirectory,
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
      verificationCache: components.verificationCache,
      ...(init.maxHops === undefined ? {} : { maxHops: init.maxHops }),
      ...(init.maxClockSkew === undefined ? {} : { maxClockSkew: init.maxClockSkew })
    })
    this.#routing = new CoreDriver({
      core: this.router,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [F2F_PROTOCOL_ID],
      handling: { [F2F_PROTOCOL_ID]: { maxMessageBytes: MAX_ROUTED_BYTES } },
      onEvent: (event) => this.#tell(event)
    })
  }

  /** Reads the stored records back. libp2p calls it as the node starts. */
  async start(): Promise<void> {
    const store = this.#components.store
    if (store === undefined) return
    const stored: StoredRecord[] = []
    const end = STORE_PREFIX.slice()
    end[end.length - 1]!++
    try {
      for await (const [key, bytes] of store.range({ gte: STORE_PREFIX, lt: end })) stored.push({ id: bytesToHex(key.subarray(STORE_PREFIX.length)), bytes })
    } catch (err) {
      this.#corrupt('', err)
    }
    const { effects, corrupt } = this.core.restore(stored, this.#components.clock.now())
    this.#driver.apply(effects)
    for (const id of corrupt) {
      this.#corrupt(id, new TrustWotError('CORRUPT_STORE', `stored record ${id.slice(0, 16)}… is damaged`))
      this.#write((s) => s.delete(this.#key(id)))
    }
  }

  /** Joins the topic and the protocol once the node (and its gossipsub) runs. libp2p calls it after every service started. */
  afterStart(): void {
    this.#running = true
    this.#driver.start()
    this.#routing.start()
    // Peers connected before the service joined: the router routes through them too.
    for (const peer of this.#components.net.peers()) this.router.peerConnected(peer)
  }

  /** Leaves the topic and the protocols while the node still runs. */
  beforeStop(): void {
    this.#running = false
    this.#driver.stop()
    this.#routing.stop()
  }

  /** Waits for the last writes. libp2p calls it as the node stops. */
  async stop(): Promise<void> {
    this.beforeStop()
    await this.flush()
  }

  /** Resolves once every record so far is written to (or deleted from) the store. */
  async flush(): Promise<void> {
    await this.#writes
  }

  async trust(trustee: TrusteeRef, terms: StatementTerms): Promise<TrustRecord> {
    this.#checkRunning()
    const { record, effects } = this.core.trust(keyOf(trustee), terms, this.#components.clock.now())
    this.#driver.apply(effects)
    await this.flush()
    return record
  }

  async revoke(trustee: TrusteeRef, scope = ''): Promise<TrustRecord> {
    this.#checkRunning()
    const { record, effects } = this.core.revoke(keyOf(trustee), scope, this.#components.clock.now())
    this.#driver.apply(effects)
    await this.flush()
    return record
  }

  async attest(terms: AttestationTerms): Promise<Attestation> {
    this.#checkRunning()
    const { attestation, effects } = this.core.attest(terms, this.#components.clock.now())
    this.#driver.apply(effects)
    return attestation
  }

  trustedRoot(domain: string, version: number, threshold: number): TrustedRoot | undefined {
    return this.core.trustedRoot(domain, version, threshold)
  }

  latestTrustedRoot(domain: string, threshold: number): (TrustedRoot & { readonly version: number }) | undefined {
    return this.core.latestTrustedRoot(domain, threshold)
  }

  trustPolicy(options: WotTrustPolicyOptions): WotTrustPolicy {
    const policy = new WotTrustPolicy(options)
    this.attach(policy)
    return policy
  }

  /** Attaches a policy made before the service (see `trustWot(init).trustPolicy`), and wakes the driver for its deadlines. */
  attach(policy: WotTrustPolicy): void {
    this.core.attach(policy)
    this.#driver.apply([])
  }

  isFriend(peer: TrusteeRef): boolean {
    const key = typeof peer === 'string' ? libp2pDirectory.keyOf(peer) : bytesToHex(peer)
    return key !== undefined && this.core.isFriend(key)
  }

  send(to: TrusteeRef, body: Uint8Array): void {
    this.#checkRunning()
    this.#routing.apply(this.router.send(keyOf(to), body, this.#components.clock.now()))
  }

  trustOf(key: TrusteeRef, scope = ''): number {
    return this.core.viewpoint(this.core.self, scope).trust(bytesToHex(keyOf(key)))
  }

  viewpoint(viewer?: TrusteeRef, scope = ''): Viewpoint {
    return this.core.viewpoint(viewer === undefined ? this.core.self : bytesToHex(keyOf(viewer)), scope)
  }

  onEvent(listener: (event: TrustWotServiceEvent) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #onEvent(event: TrustWotEvent): void {
    if (event.type === 'record') this.#write((store) => store.put(this.#key(event.record.id), event.record.bytes))
    if (event.type === 'forget') this.#write((store) => store.delete(this.#key(event.record.id)))
    this.#tell(event)
  }

  #tell(event: TrustWotServiceEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  #write(write: (store: NonNullable<TrustWotComponents['store']>) => Promise<void>): void {
    const store = this.#components.store
    if (store === undefined) return
    // In order, one after another; a failed write is reported, and the record lives on in memory.
    this.#writes = this.#writes.then(() => write(store)).catch((err: unknown) => this.#corrupt('', err))
  }

  #key(id: string): Uint8Array {
    const key = new Uint8Array(STORE_PREFIX.length + id.length / 2)
    key.set(STORE_PREFIX)
    key.set(hexToBytes(id), STORE_PREFIX.length)
    return key
  }

  #corrupt(id: string, cause: unknown): void {
    const error = cause instanceof TrustWotError ? cause : new TrustWotError('CORRUPT_STORE', `the store failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.#tell({ type: 'corrupt', id, error })
  }

  #checkRunning(): void {
    if (!this.#running) throw new TrustWotError('NOT_RUNNING', 'the trust-wot service is not running')
  }
}

/** A trustee's public key, from the key itself or its PeerId. */
function keyOf(ref: TrusteeRef): Uint8Array {
  return typeof ref === 'string' ? publicKeyOfPeer(ref) : ref
}
