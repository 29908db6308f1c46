import * as decoding from 'lib0/decoding'
import { FrpStateError } from '../core/errors.js'
import { utf16Length } from './utf8.js'

/** Where the structs of one client begin in an update. */
export interface UpdateStart {
  readonly client: number
  readonly clock: number
}

/**
 * Throws BAD_YJS_UPDATE unless `update` is a Yjs (v1) update that Yjs can
 * integrate without failing half-way, which would leave part of it in the
 * doc:
 *
 * - it must read completely, as Yjs reads it (every struct, content and deletion);
 * - no struct may be empty (a GC of length 0, empty content): one breaks
 *   Yjs's binary search over the doc's structs;
 * - no item may refer to a struct of its own client at or after its own
 *   clock: Yjs waits for missing structs of other clients, but takes its own
 *   client's as present, and throws midway;
 * - no deletion may be empty: Yjs throws re-encoding one it keeps for later,
 *   after the structs went in.
 *
 * Returns where each client's structs begin; changes nothing. It reads the
 * bytes the way Yjs's own reader does, with lib0, but builds no structs: a
 * full `Y.decodeUpdate` would add a tenth to the cost of applying an update.
 */
export function checkUpdate(update: Uint8Array): UpdateStart[] {
  const decoder = decoding.createDecoder(update)
  try {
    const starts = readStructs(decoder)
    readDeletions(decoder)
    return starts
  } catch (err) {
    if (err instanceof FrpStateError) throw err
    throw new FrpStateError('BAD_YJS_UPDATE', `the update does not decode: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

// The v1 struct encoding (Yjs's UpdateEncoderV1): an info byte whose low five bits name the struct or content kind.
const KIND_BITS = 0b1_1111
const HAS_PARENT_SUB = 0b10_0000
const HAS_RIGHT_ORIGIN = 0b100_0000
const HAS_ORIGIN = 0b1000_0000
const GC = 0
const SKIP = 10
const DELETED = 1
const JSON_VALUES = 2
const BINARY = 3
const STRING = 4
const EMBED = 5
const FORMAT = 6
const TYPE = 7
const ANY = 8
const SUBDOC = 9
/** Shared types whose encoding carries a name: YXmlElement (its node name) and YXmlHook. */
const NAMED_TYPES = new Set([3, 5])
/** Yjs knows type references 0 to 6: YArray, YMap, YText, YXmlElement, YXmlFragment, YXmlHook, YXmlText. */
const LAST_TYPE = 6

function readStructs(decoder: decoding.Decoder): UpdateStart[] {
  const starts: UpdateStart[] = []
  const clients = decoding.readVarUint(decoder)
  for (let i = 0; i < clients; i++) {
    const structs = decoding.readVarUint(decoder)
    const client = decoding.readVarUint(decoder)
    let clock = decoding.readVarUint(decoder)
    starts.push({ client, clock })
    for (let j = 0; j < structs; j++) {
      const length = readStruct(decoder, client, clock)
      if (!(length > 0)) throw new FrpStateError('BAD_YJS_UPDATE', `an empty struct at ${client}:${clock}`)
      clock += length
      if (!Number.isSafeInteger(clock)) throw new FrpStateError('BAD_YJS_UPDATE', `client ${client}'s clock passes 2^53`)
    }
  }
  return starts
}

/** Reads one struct of `client` at `clock`; returns its length. */
function readStruct(decoder: decoding.Decoder, client: number, clock: number): number {
  if (!decoding.hasContent(decoder)) throw new FrpStateError('BAD_YJS_UPDATE', 'the update ends inside its structs')
  const info = decoding.readUint8(decoder)
  const kind = info & KIND_BITS
  if (kind === GC) return decoding.readVarUint(decoder)
  // Yjs's two readers differ on a skip with high bits set (a skip to one, an unknown content to the other): refused.
  if (kind === SKIP) {
    if (info !== SKIP) throw new FrpStateError('BAD_YJS_UPDATE', `a skip at ${client}:${clock} with flags ${info}`)
    return decoding.readVarUint(decoder)
  }
  if ((info & HAS_ORIGIN) !== 0) readReference(decoder, client, clock)
  if ((info & HAS_RIGHT_ORIGIN) !== 0) readReference(decoder, client, clock)
  // Without an origin the item names its parent: a root type by name, or the item holding the parent type.
  if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
    if (decoding.readVarUint(decoder) === 1) skipString(decoder)
    else readReference(decoder, client, clock)
    if ((info & HAS_PARENT_SUB) !== 0) skipString(decoder)
  }
  return readContent(decoder, kind)
}

/** Reads an item's reference to another struct, which may not lie at or after the item in its own client's history. */
function readReference(decoder: decoding.Decoder, client: number, clock: number): void {
  const refClient = decoding.readVarUint(decoder)
  const refClock = decoding.readVarUint(decoder)
  if (refClient === client && refClock >= clock) {
    throw new FrpStateError('BAD_YJS_UPDATE', `item ${client}:${clock} refers to ${refClient}:${refClock}, not before it in its own client's history`)
  }
}

/** Reads an item's content as Yjs does (strings decoded, JSON parsed, values read); returns its length. */
function readContent(decoder: decoding.Decoder, kind: number): number {
  switch (kind) {
    case DELETED:
      return decoding.readVarUint(decoder)
    case JSON_VALUES: {
      const count = decoding.readVarUint(decoder)
      for (let i = 0; i < count; i++) {
        const json = decoding.readVarString(decoder)
        if (json !== 'undefined') JSON.parse(json)
      }
      return count
    }
    case BINARY:
      decoding.readVarUint8Array(decoder)
      return 1
    case STRING:
      return skipString(decoder)
    case EMBED:
      JSON.parse(decoding.readVarString(decoder))
      return 1
    case FORMAT:
      skipString(decoder)
      JSON.parse(decoding.readVarString(decoder))
      return 1
    case TYPE: {
      const type = decoding.readVarUint(decoder)
      if (type > LAST_TYPE) throw new FrpStateError('BAD_YJS_UPDATE', `unknown shared type ${type}`)
      if (NAMED_TYPES.has(type)) skipString(decoder)
      return 1
    }
    case ANY: {
      const count = decoding.readVarUint(decoder)
      for (let i = 0; i < count; i++) decoding.readAny(decoder)
      return count
    }
    case SUBDOC: {
      skipString(decoder)
      // Yjs reads the subdocument's options as an object, and fails on null or undefined.
      const options: unknown = decoding.readAny(decoder)
      if (options === null || options === undefined) throw new FrpStateError('BAD_YJS_UPDATE', 'a subdocument without options')
      return 1
    }
    default:
      throw new FrpStateError('BAD_YJS_UPDATE', `unknown content kind ${kind}`)
  }
}

/** Reads past a string as lib0's `readVarString` would read it (the same failures), without building it; returns its UTF-16 length. */
function skipString(decoder: decoding.Decoder): number {
  const bytes = decoding.readVarUint(decoder)
  const start = decoder.pos
  if (bytes > decoder.arr.length - start) throw new FrpStateError('BAD_YJS_UPDATE', 'the update ends inside a string')
  decoder.pos += bytes
  return utf16Length(decoder.arr, start, start + bytes)
}

function readDeletions(decoder: decoding.Decoder): void {
  const clients = decoding.readVarUint(decoder)
  for (let i = 0; i < clients; i++) {
    const client = decoding.readVarUint(decoder)
    const deletions = decoding.readVarUint(decoder)
    for (let j = 0; j < deletions; j++) {
      const clock = decoding.readVarUint(decoder)
      if (!(decoding.readVarUint(decoder) > 0)) throw new FrpStateError('BAD_YJS_UPDATE', `an empty deletion at ${client}:${clock}`)
    }
  }
}
