import { definePayloadKind, protobufCodec } from '@dscs/wire'
import { dscs } from '../gen/soft-partition.js'
import { KIND_PREFIX, MAX_PAYLOAD_BYTES, NONCE_BYTES } from './constants.js'
import { SoftPartitionError } from './errors.js'

/** The payload of a Ping or a Pong: the nonce that pairs them. */
export interface NoncePayload {
  readonly nonce: Uint8Array
}

function checkNonce(payload: NoncePayload): void {
  if (payload.nonce.length !== NONCE_BYTES) {
    throw new SoftPartitionError('BAD_NONCE', `nonce of ${payload.nonce.length} bytes; a nonce is ${NONCE_BYTES} bytes`)
  }
}

// Each field occurs once; the scan refuses a payload that repeats one to inflate the decode.
const options = { maxBytes: MAX_PAYLOAD_BYTES, maxRepeated: 1, validate: checkNonce }

/** The `Ping` payload kind; register it with a `PayloadRegistry` to decode these envelopes elsewhere. */
export const PingPayload = definePayloadKind<NoncePayload>(`${KIND_PREFIX}Ping`, protobufCodec<NoncePayload>(dscs.soft_partition.v1.Ping), options)

/** The `Pong` payload kind. */
export const PongPayload = definePayloadKind<NoncePayload>(`${KIND_PREFIX}Pong`, protobufCodec<NoncePayload>(dscs.soft_partition.v1.Pong), options)
