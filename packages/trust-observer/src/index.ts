/**
 * @packageDocumentation
 *
 * A third-party observer that sequences transactions into an RFC 9162 Merkle
 * log and can prove it dropped nothing.
 *
 * The observer (`role: 'observer'`) takes signed envelopes from authorised
 * clients, commits them in batches to a Merkle log in its store, answers each
 * with a signed receipt once durable (entry id, index, deadline) and publishes
 * a signed tree head on its topic after every batch. Clients (`role:
 * 'client'`) check receipts, check every head against every other (a second
 * root for one size, or a consistency proof that fails, is signed evidence of
 * equivocation), prove their entries' inclusion, and report a receipt whose
 * promise was broken (omission). Evidence is broadcast and checked standalone
 * by every peer, and the observer is untrusted from then on. Witnesses
 * (`role: 'witness'`) cosign the heads they checked; a client can require k
 * of them. {@link ClientService.trustPolicy} is the TrustPolicy frp-state
 * takes: an op is pending until proven in the log, then confirmed; nullified
 * if the observer is caught first.
 *
 * @example
 * ```ts
 * import { createNode } from '@dscs/net' // in Node, the entry with createNode
 * import { signEnvelope } from '@dscs/identity'
 * import { createEnvelope } from '@dscs/wire'
 * import { trustObserver, type ClientService } from '@dscs/trust-observer'
 *
 * const observer = await createNode({ services: { log: trustObserver({ role: 'observer' }) } })
 * const client = await createNode({ services: { log: trustObserver({ role: 'client', observer: observer.peerId }) } })
 * await client.dial(observer.multiaddrs()[0]!)
 *
 * const log = client.libp2p.services.log as ClientService
 * const { identity } = client.net
 * const op = signEnvelope(identity, createEnvelope({ kind: 'demo.Op', payload: new Uint8Array([1]), author: identity.publicKey, timestamp: Date.now() }))
 * const receipt = await log.submit(op)
 * console.log(`logged at ${receipt.index}, a head holding it due by ${new Date(receipt.deadline).toISOString()}`)
 * log.onEvent((event) => event.type === 'included' && console.log(`proven under a head of ${event.size} entries`))
 * ```
 */
import { protocolService } from '@dscs/net'
import type { ClientEvent } from './core/client-core.js'
import type { VerifiedEvidence } from './core/evidence.js'
import { observerTrustPolicy, type ObserverTrustOptions, type ObserverTrustPolicy, type ObserverView } from './core/policy.js'
import { ClientService, type ClientInit } from './client-service.js'
import { ObserverService, type ObserverInit } from './observer-service.js'

export * from './log/index.js'
export {
  PROTOCOL_ID,
  KIND_PREFIX,
  TREE_HEAD_KIND,
  RECEIPT_BATCH_KIND,
  CONSISTENCY_KIND,
  COSIGNATURE_KIND,
  EVIDENCE_KIND,
  MAX_PROOF_HASHES,
  MAX_STATEMENT_BYTES,
  OBSERVER_DEFAULTS,
  CLIENT_DEFAULTS,
  observerTopic
} from './core/constants.js'
export { ObserverError } from './core/errors.js'
export type { ObserverErrorCode } from './core/errors.js'
export { ObserverCore } from './core/observer-core.js'
export type { ObserverOptions, ObserverCoreOptions, ObserverEvent, PendingBatch, LogRead, LogReadResult, SignatureCheck } from './core/observer-core.js'
export { ClientCore } from './core/client-core.js'
export type { ClientOptions, ClientCoreOptions, ClientEvent, ObserverRef, WitnessPolicy, EvidenceSource } from './core/client-core.js'
export { encodeObserverMessage, decodeObserverMessage } from './core/messages.js'
export type { ObserverMessage, MessageLimits, ReceiptFields } from './core/messages.js'
export { TreeHeadKind, ReceiptBatchKind, ConsistencyKind, CosignatureKind, seal, open, claims } from './core/statements.js'
export type { TreeHead, ReceiptBatch, Consistency, Cosignature, Signed, OpenOptions } from './core/statements.js'
export { BatchTree, sealBatch, receiptOf, verifyReceipt } from './core/receipts.js'
export type { CommittedBatch, VerifiedReceipt } from './core/receipts.js'
export { verifyEvidence, forkEvidence, inconsistentEvidence, omissionEvidence, sealEvidence, openEvidence } from './core/evidence.js'
export { entryEnvelope, entryIdOf } from './core/entry.js'
export type { EvidenceKind, VerifiedEvidence, VerifyEvidenceOptions, Claim } from './core/evidence.js'
export { observerTrustPolicy } from './core/policy.js'
export type { ObserverTrustOptions, ObserverTrustPolicy, ObserverView } from './core/policy.js'
export { ObserverService } from './observer-service.js'
export type { ObserverInit, ObserverServiceEvent, TrustObserverComponents } from './observer-service.js'
export { ClientService } from './client-service.js'
export type { ClientInit, CrossCheckReport } from './client-service.js'
export { EntryIndex } from './entry-index.js'

/** Options of {@link trustObserver}: the role, and that role's options. */
export type TrustObserverInit = ({ readonly role: 'observer' } & ObserverInit) | ({ readonly role: 'client' | 'witness' } & ClientInit)

/** The service factory of a client or witness, with the trust policy of the service it will build. */
export interface ClientFactory {
  (components: object): ClientService
  /**
   * A TrustPolicy on the client this factory builds, to hand to another
   * service of the same node before the node exists (frp-state's `trust`).
   */
  trustPolicy(options?: ObserverTrustOptions): ObserverTrustPolicy
}

/**
 * The libp2p service factory, one per role:
 * `createNode({ services: { log: trustObserver({ role: 'observer' }) } })`
 * runs an observer ({@link ObserverService}; its log in the node's store);
 * `role: 'client'` a client of the observer named by `observer` (its PeerId,
 * or its key) ({@link ClientService}); `role: 'witness'` a client that also
 * cosigns every head it verified. It needs the node's `net` service, which
 * `createNode` of `@dscs/net` registers.
 */
export function trustObserver(init: { readonly role: 'observer' } & ObserverInit): (components: object) => ObserverService
export function trustObserver(init: { readonly role: 'client' | 'witness' } & ClientInit): ClientFactory
export function trustObserver(init: TrustObserverInit): ((components: object) => ObserverService) | ClientFactory {
  if (init.role === 'observer') {
    const { role: _role, ...options } = init
    return protocolService((context) => new ObserverService(context, options))
  }
  const { role, ...options } = init
  let service: ClientService | undefined
  // Watches asked for before the node built its service, handed over once it has.
  const early = new Set<string>()
  const listeners = new Set<(event: ClientEvent) => void>()
  const factory = protocolService((context) => {
    const built = new ClientService(context, { ...options, cosign: options.cosign ?? role === 'witness' })
    built.onEvent((event) => listeners.forEach((listener) => listener(event)))
    early.forEach((id) => built.watch(id))
    early.clear()
    service = built
    return built
  })
  const view: ObserverView = {
    includedAt: (id) => service?.includedAt(id),
    watch: (id) => (service === undefined ? early.add(id) : service.watch(id)),
    unwatch: (id) => (service === undefined ? early.delete(id) : service.unwatch(id)),
    get evidence(): VerifiedEvidence | undefined {
      return service?.evidence
    },
    onEvent: (listener) => (listeners.add(listener), () => listeners.delete(listener))
  }
  return Object.assign(factory, { trustPolicy: (options: ObserverTrustOptions = {}) => observerTrustPolicy(view, options) })
}
