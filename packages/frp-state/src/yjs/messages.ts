import { definePayloadKind, protobufCodec } from '@dscs/wire'
import { KIND_PREFIX } from '../core/constants.js'
import { dscs } from '../gen/yjs.js'
import { DEFAULT_MAX_YJS_ENVELOPE_BYTES } from './constants.js'

/** The payload of a YSync or YUpdate envelope: which document, and one y-protocols sync message for it, unchanged. */
export interface YjsPayload {
  /** The state domain of the document. */
  readonly domain: string
  /** The document's name within the domain. */
  readonly doc: string
  /** y-protocols sync message bytes, as `y-protocols/sync` writes them. */
  readonly message: Uint8Array
}

// Each field occurs once; the scan refuses a payload that repeats one. No payload outgrows the largest envelope.
const options = { maxBytes: DEFAULT_MAX_YJS_ENVELOPE_BYTES, maxRepeated: 1 }

/** The `YSync` payload kind: a sync message sent directly to one peer on its domain's `yjsProtocol(domain)`. */
export const YSyncPayload = definePayloadKind<YjsPayload>(`${KIND_PREFIX}YSync`, protobufCodec<YjsPayload>(dscs.frp_state.v1.YSync), options)

/** The `YUpdate` payload kind: a live update published on the document's topic. */
export const YUpdatePayload = definePayloadKind<YjsPayload>(`${KIND_PREFIX}YUpdate`, protobufCodec<YjsPayload>(dscs.frp_state.v1.YUpdate), options)
