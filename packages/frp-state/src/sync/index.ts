// Anti-entropy for the op log: range-based set reconciliation over an ordered, fingerprinted index of ops.
export { OpIndex } from './op-index.js'
export { ReconcileSession } from './session.js'
export type { ReconcileOptions, ReconcileStep } from './session.js'
export { START, END, compareBounds } from './bound.js'
export type { Bound } from './bound.js'
export { decodeSyncMessage } from './message-reader.js'
export type { SyncRange } from './message.js'
export {
  SYNC_VERSION,
  MAX_SYNC_MESSAGE_BYTES,
  MAX_SYNC_RANGES,
  MAX_LISTED_IDS,
  ID_PREFIX_BYTES,
  FINGERPRINT_BYTES,
  DEFAULT_BRANCHING,
  DEFAULT_LIST_THRESHOLD,
  DEFAULT_MAX_ROUNDS
} from './constants.js'
