import { definePayloadKind } from '@dscs/wire'
import { KIND_PREFIX } from '../core/constants.js'
import { MAX_SYNC_MESSAGE_BYTES } from './constants.js'

/**
 * The `Reconcile` payload kind: one reconciliation message as raw bytes (not
 * protobuf; format in message.ts). The envelope layer bounds its size; the
 * receiving {@link ReconcileSession} checks everything else.
 */
export const ReconcilePayload = definePayloadKind<Uint8Array>(
  `${KIND_PREFIX}Reconcile`,
  { encode: (message) => message, decode: (bytes) => bytes },
  { encoding: 'raw', maxBytes: MAX_SYNC_MESSAGE_BYTES }
)
