/**
 * @packageDocumentation
 *
 * Proof-of-work stamps against spam, and a proof-of-work chain for trust without authorities
 *
 * Stamps: {@link mintStamp} finds a nonce so that SHA-256 over an envelope's
 * signing bytes and the nonce starts with the required zero bits, off the
 * main thread (Web Workers here, worker threads in the Node entry),
 * cancellable, with progress; {@link verifyStamp} costs one hash. The
 * {@link trustPow} service makes a node refuse envelopes without enough work
 * on the topics it names, before their signatures are checked, and tells
 * peers what it currently demands (more of unknown senders under load).
 *
 * @example
 * ```ts
 * import { createNode } from '@dscs/net' // in Node, the entry with createNode
 * import { signEnvelope } from '@dscs/identity'
 * import { createEnvelope, encodeEnvelope } from '@dscs/wire'
 * import { mintStamp, trustPow, type TrustPow } from '@dscs/trust-pow'
 *
 * // Bob refuses chat envelopes without 12 bits of work; Alice asks what he demands, mints, publishes.
 * const bob = await createNode({ services: { trustPow: trustPow({ stamps: { topics: { chat: 12 } } }) } })
 * const alice = await createNode({ services: { trustPow: trustPow() } })
 * await alice.dial(bob.multiaddrs()[0]!)
 * bob.net.subscribe('chat', ({ bytes }) => (console.log(`bob accepts ${bytes.length} bytes`), 'accept'))
 * alice.net.subscribe('chat', () => 'accept')
 *
 * const [chat] = await (alice.libp2p.services.trustPow as TrustPow).stamps.ask(bob.peerId)
 * console.log(chat) // { topic: 'chat', bits: 12, untrustedBits: 12 }: more while bob is under load
 * const { identity } = alice.net
 * const message = signEnvelope(identity, createEnvelope({ kind: 'demo.Chat', payload: new TextEncoder().encode('hi'), author: identity.publicKey, timestamp: Date.now() }))
 * const stamped = await mintStamp(message, chat!.untrustedBits, {
 *   signal: AbortSignal.timeout(10_000),
 *   onProgress: ({ hashes, etaMs }) => console.log(`${hashes} hashes, about ${Math.round(etaMs)} ms to go`)
 * })
 * while (!alice.net.topicPeers('chat').includes(bob.peerId)) await new Promise((resolve) => setTimeout(resolve, 50))
 * await alice.net.publish('chat', encodeEnvelope(stamped)) // without the stamp, bob would reject it (INSUFFICIENT_WORK)
 * await alice.stop()
 * await bob.stop()
 * ```
 */
import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, Net } from '@dscs/interface'
import { protocolService, type Timers } from '@dscs/net'
import { TrustPowService } from './service.js'
import { mintWith, type MintOptions, type Stamped } from './stamps/minter.js'
import type { Stamps, StampsInit } from './stamps/service.js'
import type { StampableEnvelope } from './stamps/stamp.js'
import { webMintWorker } from './stamps/web-worker.js'

export { TrustPowError } from './errors.js'
export type { TrustPowErrorCode } from './errors.js'

// ---- stamps ----
export { STAMPS_PROTOCOL_ID, KIND_PREFIX, MAX_STAMPED_TOPICS } from './stamps/constants.js'
export { STAMP_NONCE_BYTES, MAX_STAMP_BITS, NonceSearch, nonceBytes, runMintJob } from './stamps/search.js'
export type { MintJob, MintReply } from './stamps/search.js'
export { stampWork, verifyStamp, checkStamp } from './stamps/stamp.js'
export type { StampableEnvelope } from './stamps/stamp.js'
export { mintWith } from './stamps/minter.js'
export type { MintOptions, MintProgress, MintWorker, SpawnMintWorker, Stamped } from './stamps/minter.js'
export { webMintWorker } from './stamps/web-worker.js'
export { DifficultyPolicy } from './stamps/policy.js'
export type { DifficultyPolicyOptions, TopicDemand } from './stamps/policy.js'
export { stampAdmission } from './stamps/gate.js'
export { StampDemandCore } from './stamps/demand-core.js'
export type { StampDemandCoreOptions, StampDemandEvent, StampDemandOptions, StampDemandQuery } from './stamps/demand-core.js'
export { DemandPayload, DemandQueryPayload } from './stamps/messages.js'
export type { DemandMessage, DemandQueryMessage } from './stamps/messages.js'
export { Stamps } from './stamps/service.js'
export type { StampsComponents, StampsInit } from './stamps/service.js'

/**
 * Finds a stamp for `envelope` with at least `bits` leading zero bits, on
 * browser Web Workers (the Node entry of this package runs worker threads
 * instead); see {@link MintOptions} for cancellation, progress and workers.
 */
export function mintStamp<E extends StampableEnvelope>(envelope: E, bits: number, options?: MintOptions): Promise<Stamped<E>> {
  return mintWith(webMintWorker, envelope, bits, options)
}
// ---- end stamps ----

/** The service: the package's parts on one node, started and stopped with it. */
export interface TrustPow {
  /** libp2p calls it as the node starts: stamped topics are guarded from then on. */
  start(): void
  /** libp2p calls it as the node stops. */
  stop(): void
  /** Stamps: what this node demands on which topics, and what peers demand. */
  readonly stamps: Stamps
}

/** Options of the service; every one has a default. */
export interface TrustPowInit {
  /** Topics that require stamps (`{ topics: { chat: 12 } }`), how load raises them, the demand protocol's limits. Default: none. */
  readonly stamps?: StampsInit
}

/** What the service needs from its node: the part of `@dscs/net`'s `ProtocolContext` it uses. */
export interface TrustPowComponents {
  /** The network port: admission checks on stamped topics, direct messages, penalties for bad input. */
  readonly net: Net
  /** This node's Ed25519 identity (`@dscs/identity`), which signs its envelopes. */
  readonly identity: Identity
  /** The time every input is stamped with. */
  readonly clock: Clock
  /** The timer that wakes the cores at their next deadline. */
  readonly timers: Timers
  /** The node's signature verdicts, shared by every protocol on it, so no envelope is verified twice. */
  readonly verificationCache?: VerificationCache
}

/**
 * The libp2p service factory:
 * `createNode({ services: { trustPow: trustPow(init) } })`, after which
 * `node.libp2p.services.trustPow` is the {@link TrustPow} service. It needs
 * the node's `net` service, which `createNode` of `@dscs/net` registers.
 */
export function trustPow(init: TrustPowInit = {}): (components: object) => TrustPow {
  return protocolService((context) => new TrustPowService(context, init))
}

// ---- The proof-of-work chain (src/chain/) ----
export * from './chain/index.js'
