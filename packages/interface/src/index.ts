/**
 * @packageDocumentation
 *
 * The contracts every DSCS package shares, with no runtime dependencies:
 *
 * - {@link DscsError}: the one error type, with a stable `code`;
 * - {@link Net}: the port protocol cores talk to the network through;
 * - {@link ProtocolCore}: the shape of every sans-I/O core, events in, effects out;
 * - {@link Clock}: time as an input;
 * - {@link Store}: ordered asynchronous key-value persistence;
 * - {@link TrustPolicy}: one contract for every trust mode;
 * - {@link asPlainBytes}, {@link compareBytes}: the byte helpers every package needs.
 *
 * @example
 * ```ts
 * import { DscsError, isDscsError } from '@dscs/interface'
 *
 * try {
 *   throw new DscsError('TOO_LARGE', 'frame of 9 MiB exceeds 1 MiB')
 * } catch (err) {
 *   if (isDscsError(err, 'TOO_LARGE')) console.log('dropped:', err.message)
 * }
 * ```
 */
export { DscsError, DscsCodedError, isDscsError } from './errors.js'
export { asPlainBytes, byteLength, compareBytes, joinBytes } from './bytes.js'
export type { MessageBytes } from './bytes.js'
export type { PeerRef, PublicKeyBytes, IdentityRef, ProtocolId, Unsubscribe } from './peer.js'
export { systemClock } from './clock.js'
export type { Clock } from './clock.js'
export type {
  Net,
  DirectMessage,
  TopicMessage,
  MessageVerdict,
  DirectHandler,
  ChannelBudget,
  HandleOptions,
  TopicHandler,
  TopicAdmission,
  EnvelopeAdmission,
  PeerEvent
} from './net.js'
export type { Store, StoreBatchOp, StoreEntry, RangeOptions } from './store.js'
export type { ProtocolCore, CoreEffect, TopicReceipt } from './core.js'
export { PendingRequests } from './pending.js'
export type { PendingRequest } from './pending.js'
export type { TrustPolicy, TrustMode, TrustSubject, TrustVerdict, TrustStatusChange } from './trust.js'
