import { definePayloadKind, protobufCodec, type PayloadCodec } from '@dscs/wire'
import { dscs } from '../gen/routing-optimizer.js'
import { KIND_PREFIX, MAX_ADVERTISED_BYTES_PER_SECOND, MAX_CAPACITY_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, NONCE_BYTES } from './constants.js'
import { RoutingOptimizerError } from './errors.js'
import { MAX_COMPONENT_MS, MAX_DIMENSIONS, MAX_ERROR, MIN_DIMENSIONS, type Coordinate } from './vivaldi.js'

const wire = dscs.routing_optimizer.v1

/** The payload of a Ping: the nonce that pairs it with its Pong. */
export interface NoncePayload {
  readonly nonce: Uint8Array
}

/** The payload of a Pong: the nonce, and the answerer's coordinate when it has one to give. */
export interface PongPayloadValue extends NoncePayload {
  readonly coordinate?: Coordinate
}

/** The payload of a signed capacity record: what a node says it can carry. */
export interface CapacityRecordValue {
  /** Upload throughput the node measured for itself, bytes per second. */
  readonly uploadBytesPerSecond: number
  /** Whether it relays for others. */
  readonly relay: boolean
  readonly coordinate?: Coordinate
}

function checkNonce(payload: NoncePayload): void {
  if (payload.nonce.length !== NONCE_BYTES) {
    throw new RoutingOptimizerError('BAD_NONCE', `nonce of ${payload.nonce.length} bytes; a nonce is ${NONCE_BYTES} bytes`)
  }
}

/** Refuses a coordinate no honest node sends: wrong dimensions, non-finite or out-of-range components, an error outside (0, MAX_ERROR]. */
export function checkCoordinate(coordinate: Coordinate | undefined): void {
  if (coordinate === undefined) return
  const { vector, height, error } = coordinate
  if (vector.length < MIN_DIMENSIONS || vector.length > MAX_DIMENSIONS) {
    throw new RoutingOptimizerError('BAD_COORDINATE', `${vector.length} dimensions; between ${MIN_DIMENSIONS} and ${MAX_DIMENSIONS}`)
  }
  if (!vector.every((x) => Number.isFinite(x) && Math.abs(x) <= MAX_COMPONENT_MS)) throw new RoutingOptimizerError('BAD_COORDINATE', 'a component is not finite or out of range')
  if (!(height >= 0 && height <= MAX_COMPONENT_MS)) throw new RoutingOptimizerError('BAD_COORDINATE', `height ${height} out of range`)
  if (!(error > 0 && error <= MAX_ERROR)) throw new RoutingOptimizerError('BAD_COORDINATE', `error ${error} outside (0, ${MAX_ERROR}]`)
}

function checkCapacity(record: CapacityRecordValue): void {
  if (!(Number.isSafeInteger(record.uploadBytesPerSecond) && record.uploadBytesPerSecond <= MAX_ADVERTISED_BYTES_PER_SECOND)) {
    throw new RoutingOptimizerError('BAD_CAPACITY', `upload of ${record.uploadBytesPerSecond} bytes/s; at most ${MAX_ADVERTISED_BYTES_PER_SECOND}`)
  }
  checkCoordinate(record.coordinate)
}

/** protobufjs gives an absent sub-message as null and repeated fields as arrays it owns: copy into plain values. */
function readCoordinate(coordinate: { vector?: number[] | null; height?: number | null; error?: number | null } | null | undefined): Coordinate | undefined {
  if (coordinate === null || coordinate === undefined) return undefined
  return { vector: [...(coordinate.vector ?? [])], height: coordinate.height ?? 0, error: coordinate.error ?? 0 }
}

function writeCoordinate(coordinate: Coordinate | undefined): { vector: number[]; height: number; error: number } | undefined {
  return coordinate === undefined ? undefined : { vector: [...coordinate.vector], height: coordinate.height, error: coordinate.error }
}

const pongCodec: PayloadCodec<PongPayloadValue> = {
  encode: (value) => wire.Pong.encode({ nonce: value.nonce, coordinate: writeCoordinate(value.coordinate) }).finish(),
  decode: (bytes) => {
    const pong = wire.Pong.decode(bytes)
    const coordinate = readCoordinate(pong.coordinate)
    return coordinate === undefined ? { nonce: pong.nonce } : { nonce: pong.nonce, coordinate }
  }
}

const capacityCodec: PayloadCodec<CapacityRecordValue> = {
  encode: (value) =>
    wire.CapacityRecord.encode({ uploadBytesPerSecond: value.uploadBytesPerSecond, relay: value.relay, coordinate: writeCoordinate(value.coordinate) }).finish(),
  decode: (bytes) => {
    const record = wire.CapacityRecord.decode(bytes)
    const coordinate = readCoordinate(record.coordinate)
    const uploadBytesPerSecond = typeof record.uploadBytesPerSecond === 'number' ? record.uploadBytesPerSecond : record.uploadBytesPerSecond.toNumber()
    return { uploadBytesPerSecond, relay: record.relay, ...(coordinate === undefined ? {} : { coordinate }) }
  }
}

// Each field occurs once (the coordinate's vector is one packed field); the scan refuses payloads that repeat one to inflate the decode.
const SINGLE = { maxRepeated: 1 }

/** The `Ping` payload kind; register it with a `PayloadRegistry` to decode these envelopes elsewhere. */
export const PingPayload = definePayloadKind<NoncePayload>(`${KIND_PREFIX}Ping`, protobufCodec<NoncePayload>(wire.Ping), {
  ...SINGLE,
  maxBytes: MAX_PAYLOAD_BYTES,
  validate: checkNonce
})

/** The `Pong` payload kind. */
export const PongPayload = definePayloadKind<PongPayloadValue>(`${KIND_PREFIX}Pong`, pongCodec, {
  ...SINGLE,
  maxBytes: MAX_PAYLOAD_BYTES,
  validate: (pong) => {
    checkNonce(pong)
    checkCoordinate(pong.coordinate)
  }
})

/** The `CapacityRecord` payload kind, published signed on {@link CAPACITY_TOPIC}. */
export const CapacityRecordPayload = definePayloadKind<CapacityRecordValue>(`${KIND_PREFIX}CapacityRecord`, capacityCodec, {
  ...SINGLE,
  maxBytes: MAX_CAPACITY_PAYLOAD_BYTES,
  validate: checkCapacity
})
