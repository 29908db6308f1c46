import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as sync from 'y-protocols/sync'
import * as Y from 'yjs'
import { FrpStateError } from '../core/errors.js'

/** A y-protocols sync message, read by {@link readSyncMessage}. */
export type SyncMessage =
  /** The sender's state vector: answer with the update it lacks. */
  | { readonly type: 'step1'; readonly stateVector: Uint8Array }
  /** The update the receiver lacked when it sent its step 1. */
  | { readonly type: 'step2'; readonly update: Uint8Array }
  /** A live update. */
  | { readonly type: 'update'; readonly update: Uint8Array }

/** Sync step 1 of `doc`: exactly the bytes of y-protocols' `writeSyncStep1`. */
export function writeSyncStep1(doc: Y.Doc): Uint8Array {
  return written((encoder) => sync.writeSyncStep1(encoder, doc))
}

/** Sync step 2 of `doc` for a peer at `stateVector`: exactly the bytes of y-protocols' `writeSyncStep2`. */
export function writeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  return written((encoder) => sync.writeSyncStep2(encoder, doc, stateVector))
}

/** A live update message: exactly the bytes of y-protocols' `writeUpdate`. */
export function writeUpdateMessage(update: Uint8Array): Uint8Array {
  return written((encoder) => sync.writeUpdate(encoder, update))
}

/**
 * Reads one y-protocols sync message from untrusted bytes, or throws
 * BAD_SYNC_MESSAGE: an unknown type, a truncated or over-long message, or a
 * state vector that does not decode. An update is returned unchecked: it is
 * validated where it is applied.
 */
export function readSyncMessage(bytes: Uint8Array): SyncMessage {
  try {
    const decoder = decoding.createDecoder(bytes)
    const type = decoding.readVarUint(decoder)
    // lib0 refuses a length beyond the array: no view past the message is ever made.
    const body = decoding.readVarUint8Array(decoder)
    if (decoding.hasContent(decoder)) throw new FrpStateError('BAD_SYNC_MESSAGE', 'bytes follow the sync message')
    switch (type) {
      case sync.messageYjsSyncStep1:
        Y.decodeStateVector(body)
        return { type: 'step1', stateVector: body }
      case sync.messageYjsSyncStep2:
        return { type: 'step2', update: body }
      case sync.messageYjsUpdate:
        return { type: 'update', update: body }
      default:
        throw new FrpStateError('BAD_SYNC_MESSAGE', `unknown sync message type ${type}`)
    }
  } catch (err) {
    if (err instanceof FrpStateError) throw err
    throw new FrpStateError('BAD_SYNC_MESSAGE', `malformed sync message: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

function written(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}
