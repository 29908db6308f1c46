import { delimitedSize, FieldWriter, varintSize } from './field-writer.js'
import { WireError } from './errors.js'
import { FieldReader, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './field-reader.js'
import type { WireLimits } from './limits.js'

/**
 * The envelope's protobuf codec (proto/envelope.proto), written by hand
 * because every message on the network passes through it: one pass, limits
 * checked as fields are read, no intermediate objects. The protobufjs code
 * generated from the same .proto is the reference it is tested against, both
 * ways, field for field.
 */

/** Envelope fields as read, before the field rules are checked; `stamp` is undefined when absent or empty. */
export interface EnvelopeFields {
  version: number
  kind: string
  payload: Uint8Array
  author: Uint8Array
  timestamp: number
  seq: number
  signature: Uint8Array
  stamp: Uint8Array | undefined
  parents: Uint8Array[]
}

const EMPTY = new Uint8Array(0)

/**
 * Reads a kind name: ASCII letters, digits and `_ . -`, starting with a
 * letter. Checked byte by byte, so no UTF-8 decoder or pattern runs.
 */
function readKind(bytes: Uint8Array, maxLength: number): string {
  if (bytes.length > maxLength) throw new WireError('TOO_LARGE', `kind of ${bytes.length} characters exceeds the limit of ${maxLength}`)
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    if (!letter && (i === 0 || !((c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x2d))) {
      throw new WireError('MALFORMED', 'kind is not a valid kind name')
    }
  }
  // ASCII only, so each byte is one UTF-16 code unit.
  return String.fromCharCode.apply(null, bytes as unknown as number[])
}

/** Decodes the envelope fields, enforcing the repeated-item and string limits while reading. */
export function readEnvelopeFields(bytes: Uint8Array, limits: WireLimits): EnvelopeFields {
  const reader = new FieldReader(bytes)
  const fields: EnvelopeFields = {
    version: 0,
    kind: '',
    payload: EMPTY,
    author: EMPTY,
    timestamp: 0,
    seq: 0,
    signature: EMPTY,
    stamp: undefined,
    parents: []
  }
  while (reader.pos < bytes.length) {
    const tag = reader.uint32()
    const wireType = tag & 7
    const field = tag >>> 3
    if (field === 0) throw new WireError('MALFORMED', 'field number 0')
    // A known field with an unexpected wire type is skipped as unknown, as protobuf parsers do.
    const delimited = wireType === WIRE_LENGTH_DELIMITED
    if (field === 1 && wireType === WIRE_VARINT) fields.version = reader.uint32()
    else if (field === 2 && delimited) fields.kind = readKind(reader.lengthDelimited(), limits.maxStringLength)
    else if (field === 3 && delimited) fields.payload = reader.lengthDelimited()
    else if (field === 4 && delimited) fields.author = reader.lengthDelimited()
    else if (field === 5 && wireType === WIRE_VARINT) fields.timestamp = reader.safeInteger('timestamp')
    else if (field === 6 && wireType === WIRE_VARINT) fields.seq = reader.safeInteger('seq')
    else if (field === 7 && delimited) fields.signature = reader.lengthDelimited()
    else if (field === 8 && delimited) fields.stamp = reader.lengthDelimited()
    else if (field === 9 && delimited) {
      if (fields.parents.length >= limits.maxRepeated) throw new WireError('TOO_LARGE', `more than ${limits.maxRepeated} parents`)
      fields.parents.push(reader.lengthDelimited())
    } else reader.skip(wireType)
  }
  if (fields.stamp !== undefined && fields.stamp.length === 0) fields.stamp = undefined
  return fields
}


/** Encodes envelope fields (already checked); proto3 defaults (0, empty) are omitted. */
export function writeEnvelopeFields(f: EnvelopeFields): Uint8Array {
  const kindLength = f.kind.length // ASCII only, checked before encoding
  let size = 0
  if (f.version !== 0) size += 1 + varintSize(f.version)
  if (kindLength > 0) size += delimitedSize(kindLength)
  if (f.payload.length > 0) size += delimitedSize(f.payload.length)
  if (f.author.length > 0) size += delimitedSize(f.author.length)
  if (f.timestamp !== 0) size += 1 + varintSize(f.timestamp)
  if (f.seq !== 0) size += 1 + varintSize(f.seq)
  if (f.signature.length > 0) size += delimitedSize(f.signature.length)
  if (f.stamp !== undefined && f.stamp.length > 0) size += delimitedSize(f.stamp.length)
  for (const parent of f.parents) size += delimitedSize(parent.length)

  const w = new FieldWriter(size)
  if (f.version !== 0) {
    w.bytes[w.pos++] = (1 << 3) | WIRE_VARINT
    w.varint(f.version)
  }
  if (kindLength > 0) {
    w.bytes[w.pos++] = (2 << 3) | WIRE_LENGTH_DELIMITED
    w.varint(kindLength)
    for (let i = 0; i < kindLength; i++) w.bytes[w.pos++] = f.kind.charCodeAt(i)
  }
  if (f.payload.length > 0) w.delimited((3 << 3) | WIRE_LENGTH_DELIMITED, f.payload)
  if (f.author.length > 0) w.delimited((4 << 3) | WIRE_LENGTH_DELIMITED, f.author)
  if (f.timestamp !== 0) {
    w.bytes[w.pos++] = (5 << 3) | WIRE_VARINT
    w.varint(f.timestamp)
  }
  if (f.seq !== 0) {
    w.bytes[w.pos++] = (6 << 3) | WIRE_VARINT
    w.varint(f.seq)
  }
  if (f.signature.length > 0) w.delimited((7 << 3) | WIRE_LENGTH_DELIMITED, f.signature)
  if (f.stamp !== undefined && f.stamp.length > 0) w.delimited((8 << 3) | WIRE_LENGTH_DELIMITED, f.stamp)
  for (const parent of f.parents) w.delimited((9 << 3) | WIRE_LENGTH_DELIMITED, parent)
  return w.bytes
}
