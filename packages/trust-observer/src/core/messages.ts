import { isDscsError } from '@dscs/interface'
import { decodeBounded, delimitedSize, FieldWriter, longToSafeInteger, varintSize, type ScanRules } from '@dscs/wire'
import { dscs } from '../gen/trust-observer.js'
import { HASH_BYTES } from '../log/index.js'
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_CODE_LENGTH, MAX_PROOF_HASHES, MAX_REASON_LENGTH, OBSERVER_DEFAULTS } from './constants.js'
import { positive } from './options.js'
import { ObserverError } from './errors.js'

const pb = dscs.trust_observer.v1

/** What a client keeps of one submitted entry: the signed batch, the entry's id and index, its audit path in the batch. */
export interface ReceiptFields {
  /** The signed ReceiptBatch envelope. */
  readonly batch: Uint8Array
  readonly entryId: Uint8Array
  readonly index: number
  readonly path: readonly Uint8Array[]
}

/** One direct message, decoded and checked field by field. */
export type ObserverMessage =
  | { readonly type: 'submit'; readonly request: number; readonly envelope: Uint8Array }
  | { readonly type: 'submitted'; readonly request: number; readonly receipt: ReceiptFields }
  | { readonly type: 'getHead'; readonly request: number }
  | { readonly type: 'head'; readonly request: number; readonly head: Uint8Array }
  | { readonly type: 'getInclusion'; readonly request: number; readonly treeSize: number; readonly entry: { readonly id: Uint8Array } | { readonly index: number } }
  | { readonly type: 'inclusion'; readonly request: number; readonly treeSize: number; readonly index: number; readonly entry: Uint8Array; readonly path: readonly Uint8Array[] }
  | { readonly type: 'getConsistency'; readonly request: number; readonly oldSize: number; readonly newSize: number }
  | { readonly type: 'consistency'; readonly request: number; readonly consistency: Uint8Array }
  | { readonly type: 'getEntries'; readonly request: number; readonly start: number; readonly end: number }
  | { readonly type: 'entries'; readonly request: number; readonly start: number; readonly entries: readonly Uint8Array[] }
  | { readonly type: 'refusal'; readonly request: number; readonly code: string; readonly reason: string }

/** What bounds a direct message. */
export interface MessageLimits {
  /** Largest message, either way. */
  readonly maxMessageBytes: number
  /** Largest entry (a submitted envelope). */
  readonly maxEntryBytes: number
  /** Most entries in one Entries answer. */
  readonly maxRangeEntries: number
}

/** The limits `options` set, each defaulted and checked (INVALID_OPTION). */
export function messageLimits(options: Partial<MessageLimits>): MessageLimits {
  return {
    maxMessageBytes: positive(options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes'),
    maxEntryBytes: positive(options.maxEntryBytes, OBSERVER_DEFAULTS.maxEntryBytes, 'maxEntryBytes'),
    maxRangeEntries: positive(options.maxRangeEntries, OBSERVER_DEFAULTS.maxRangeEntries, 'maxRangeEntries')
  }
}

export function encodeObserverMessage(message: ObserverMessage): Uint8Array {
  if (message.type === 'submitted') return encodeSubmitted(message.request, message.receipt)
  const { type, ...fields } = message
  const body = type === 'getInclusion' ? inclusionRequest(message) : fields
  return pb.ObserverMessage.encode({ [type]: body }).finish()
}

// Field tags (field number << 3 | wire type) of ObserverMessage.submitted, Submitted and Receipt.
const SUBMITTED_TAG = (2 << 3) | 2
const REQUEST_TAG = (1 << 3) | 0
const RECEIPT_TAG = (2 << 3) | 2
const BATCH_TAG = (1 << 3) | 2
const ENTRY_ID_TAG = (2 << 3) | 2
const INDEX_TAG = (3 << 3) | 0
const PATH_TAG = (4 << 3) | 2

/**
 * A Submitted message, written by hand: the observer sends one per entry, and
 * protobufjs's general encoder made that a quarter of an entry's cost. The
 * bytes are protobufjs's, field for field (a test compares them).
 */
function encodeSubmitted(request: number, receipt: ReceiptFields): Uint8Array {
  // proto3 leaves out empty bytes and zero numbers, as protobufjs does.
  let receiptSize = optionalSize(receipt.batch) + optionalSize(receipt.entryId)
  if (receipt.index !== 0) receiptSize += 1 + varintSize(receipt.index)
  for (const hash of receipt.path) receiptSize += delimitedSize(hash.length)
  const submittedSize = (request !== 0 ? 1 + varintSize(request) : 0) + 1 + varintSize(receiptSize) + receiptSize
  const out = new FieldWriter(1 + varintSize(submittedSize) + submittedSize)
  out.bytes[out.pos++] = SUBMITTED_TAG
  out.varint(submittedSize)
  if (request !== 0) {
    out.bytes[out.pos++] = REQUEST_TAG
    out.varint(request)
  }
  out.bytes[out.pos++] = RECEIPT_TAG
  out.varint(receiptSize)
  if (receipt.batch.length > 0) out.delimited(BATCH_TAG, receipt.batch)
  if (receipt.entryId.length > 0) out.delimited(ENTRY_ID_TAG, receipt.entryId)
  if (receipt.index !== 0) {
    out.bytes[out.pos++] = INDEX_TAG
    out.varint(receipt.index)
  }
  for (const hash of receipt.path) out.delimited(PATH_TAG, hash)
  return out.bytes
}

const optionalSize = (bytes: Uint8Array): number => (bytes.length > 0 ? delimitedSize(bytes.length) : 0)

function inclusionRequest(message: Extract<ObserverMessage, { type: 'getInclusion' }>) {
  const { request, treeSize, entry } = message
  return 'id' in entry ? { request, treeSize, entryId: entry.id } : { request, treeSize, index: entry.index }
}

/** The scan rules of a Receipt message: each field once, but up to a full path. */
export const RECEIPT_SCAN: ScanRules = { maxOccurrences: MAX_PROOF_HASHES }

// The scan rules of the last limits seen: every core decodes under one set of limits, so they are built once.
let rulesFor: MessageLimits | undefined
let rules: ScanRules | undefined

/** One message of the oneof; in it, each list within its bound, and in a Submitted (field 2) the receipt (its field 2) too. */
function scanRules(limits: MessageLimits): ScanRules {
  if (limits === rulesFor && rules !== undefined) return rules
  rulesFor = limits
  rules = buildScanRules(limits)
  return rules
}

function buildScanRules(limits: MessageLimits): ScanRules {
  const inner: ScanRules = { maxOccurrences: Math.max(MAX_PROOF_HASHES, limits.maxRangeEntries) }
  const nested: Record<number, ScanRules> = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [i + 1, inner]))
  nested[2] = { ...inner, nested: { 2: RECEIPT_SCAN } }
  return { maxOccurrences: 1, nested }
}

/**
 * Decodes an untrusted direct message: its size first, then a scan of its
 * structure (one message, each list within its bound, a receipt's path
 * included), then the decode, then every field's range.
 */
export function decodeObserverMessage(bytes: Uint8Array, limits: MessageLimits): ObserverMessage {
  return (bytes.length <= limits.maxMessageBytes ? canonicalSubmit(bytes) : undefined) ?? decodeAnyObserverMessage(bytes, limits)
}

/** {@link decodeObserverMessage} without its shortcut for Submit messages: every message through the general path. */
export function decodeAnyObserverMessage(bytes: Uint8Array, limits: MessageLimits): ObserverMessage {
  const m = wrap(() => decodeBounded(bytes, 'observer message', limits.maxMessageBytes, scanRules(limits), (b) => pb.ObserverMessage.decode(b)))
  switch (m.message) {
    case 'submit':
      // The envelope's own size is checked with its decoding, where a refusal can name the request.
      return { type: 'submit', request: request(m.submit), envelope: m.submit.envelope ?? new Uint8Array(0) }
    case 'submitted': {
      const receipt = m.submitted.receipt
      if (receipt === null || receipt === undefined) throw new ObserverError('MALFORMED', 'a Submitted answer without its receipt')
      return { type: 'submitted', request: request(m.submitted), receipt: receiptFields(receipt) }
    }
    case 'getHead':
      return { type: 'getHead', request: request(m.getHead) }
    case 'head':
      return { type: 'head', request: request(m.head), head: m.head.head ?? new Uint8Array(0) }
    case 'getInclusion': {
      const g = m.getInclusion
      const treeSize = integer(g.treeSize, 'tree size')
      if (g.entry === 'entryId') return { type: 'getInclusion', request: request(g), treeSize, entry: { id: hash(g.entryId, 'entry id') } }
      if (g.entry === 'index') return { type: 'getInclusion', request: request(g), treeSize, entry: { index: integer(g.index, 'index') } }
      throw new ObserverError('MALFORMED', 'a GetInclusion names no entry')
    }
    case 'inclusion': {
      const i = m.inclusion
      const entry = i.entry ?? new Uint8Array(0)
      if (entry.length > limits.maxEntryBytes) throw new ObserverError('TOO_LARGE', `an entry of ${entry.length} bytes exceeds the limit of ${limits.maxEntryBytes}`)
      return { type: 'inclusion', request: request(i), treeSize: integer(i.treeSize, 'tree size'), index: integer(i.index, 'index'), entry, path: path(i.path) }
    }
    case 'getConsistency': {
      const g = m.getConsistency
      return { type: 'getConsistency', request: request(g), oldSize: integer(g.oldSize, 'old size'), newSize: integer(g.newSize, 'new size') }
    }
    case 'consistency':
      return { type: 'consistency', request: request(m.consistency), consistency: m.consistency.consistency ?? new Uint8Array(0) }
    case 'getEntries': {
      const g = m.getEntries
      return { type: 'getEntries', request: request(g), start: integer(g.start, 'start'), end: integer(g.end, 'end') }
    }
    case 'entries': {
      const e = m.entries
      const entries = e.entries ?? []
      if (entries.length > limits.maxRangeEntries) throw new ObserverError('TOO_LARGE', `${entries.length} entries exceed the limit of ${limits.maxRangeEntries}`)
      for (const entry of entries) {
        if (entry.length > limits.maxEntryBytes) throw new ObserverError('TOO_LARGE', `an entry of ${entry.length} bytes exceeds the limit of ${limits.maxEntryBytes}`)
      }
      return { type: 'entries', request: request(e), start: integer(e.start, 'start'), entries }
    }
    case 'refusal': {
      const r = m.refusal
      const code = r.code ?? ''
      const reason = r.reason ?? ''
      if (code.length > MAX_CODE_LENGTH || reason.length > MAX_REASON_LENGTH) throw new ObserverError('TOO_LARGE', 'a refusal with an over-long code or reason')
      return { type: 'refusal', request: request(r), code, reason }
    }
    default:
      throw new ObserverError('MALFORMED', 'an observer message with no known message in it')
  }
}

// Field tags of ObserverMessage.submit and Submit.
const SUBMIT_TAG = (1 << 3) | 2
const ENVELOPE_TAG = (2 << 3) | 2

/**
 * A Submit in the exact form protobufjs writes it (the message field, then
 * the request number unless 0, then the envelope, each once), read by hand:
 * the observer reads one per entry, and the general path (scan, protobufjs,
 * checks) cost more than the rest of admitting it. Anything else, well formed
 * or not, is undefined and left to the general path; on what it accepts, the
 * two agree (a property test compares them).
 */
export function canonicalSubmit(bytes: Uint8Array): ObserverMessage | undefined {
  if (bytes[0] !== SUBMIT_TAG) return undefined
  const body = readVarint(bytes, 1)
  if (body === undefined || body.end + body.value !== bytes.length) return undefined
  let at = body.end
  let request = 0
  if (bytes[at] === REQUEST_TAG) {
    const number = readVarint(bytes, at + 1)
    if (number === undefined || number.value === 0) return undefined
    request = number.value
    at = number.end
  }
  if (bytes[at] !== ENVELOPE_TAG) return undefined
  const length = readVarint(bytes, at + 1)
  if (length === undefined || length.value === 0 || length.end + length.value !== bytes.length) return undefined
  // A plain view, as the general path hands out (not a Node Buffer).
  return { type: 'submit', request, envelope: new Uint8Array(bytes.buffer, bytes.byteOffset + length.end, length.value) }
}

/** The varint at `at` (at most 8 bytes) and where it ends; undefined unless it is the shortest encoding of a safe integer. */
function readVarint(bytes: Uint8Array, at: number): { value: number; end: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = at; i < at + 8 && i < bytes.length; i++) {
    const byte = bytes[i]!
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return (byte === 0 && i > at) || !Number.isSafeInteger(value) ? undefined : { value, end: i + 1 }
    scale *= 128
  }
  return undefined
}

export function receiptFields(r: { batch?: Uint8Array | null; entryId?: Uint8Array | null; index?: number | Long | null; path?: Uint8Array[] | null }): ReceiptFields {
  return { batch: r.batch ?? new Uint8Array(0), entryId: hash(r.entryId, 'entry id'), index: integer(r.index, 'index'), path: path(r.path) }
}

type Long = { readonly low: number; readonly high: number }

function request(m: { request?: number | Long | null }): number {
  return integer(m.request, 'request number')
}

/** A decoded uint64 as a safe integer; MALFORMED past 2^53. */
export function integer(value: number | Long | null | undefined, what: string): number {
  return wrap(() => longToSafeInteger(value ?? 0, what))
}

/** A 32-byte hash; MALFORMED otherwise. */
export function hash(value: Uint8Array | null | undefined, what: string): Uint8Array {
  if (value === null || value === undefined || value.length !== HASH_BYTES) throw new ObserverError('MALFORMED', `${what} must be ${HASH_BYTES} bytes`)
  return value
}

/** A proof path: at most {@link MAX_PROOF_HASHES} hashes of 32 bytes. */
export function path(value: readonly Uint8Array[] | null | undefined): Uint8Array[] {
  const hashes = value ?? []
  if (hashes.length > MAX_PROOF_HASHES) throw new ObserverError('TOO_LARGE', `a proof of ${hashes.length} hashes exceeds the limit of ${MAX_PROOF_HASHES}`)
  return hashes.map((h) => hash(h, 'a proof hash'))
}

/** Runs a decode, turning the wire layer's errors into this package's, with the same code. */
export function wrap<T>(run: () => T): T {
  try {
    return run()
  } catch (err) {
    if (err instanceof ObserverError || !isDscsError(err)) throw err
    const code = err.code === 'TOO_LARGE' || err.code === 'BAD_SIGNATURE' ? err.code : 'MALFORMED'
    throw new ObserverError(code, err.message, { cause: err })
  }
}
