import { decodeBounded, scanMessage } from '@dscs/wire'
import { dscs } from '../gen/chain.js'
import { HASH_BYTES, HEADER_BYTES } from './constants.js'
import { ChainError } from './errors.js'

const ChainMessage = dscs.trust_pow.chain.v1.ChainMessage

/** A sync message, decoded and checked. */
export type SyncMessage =
  | { readonly type: 'getHeaders'; readonly locator: readonly Uint8Array[]; readonly stop: Uint8Array }
  | { readonly type: 'headers'; readonly headers: readonly Uint8Array[] }
  | { readonly type: 'getBlocks'; readonly hashes: readonly Uint8Array[] }
  | { readonly type: 'blocks'; readonly blocks: readonly Uint8Array[] }

/** What bounds a sync message. */
export interface SyncLimits {
  readonly maxSyncMessageBytes: number
  readonly maxHeadersPerMessage: number
  readonly maxBlocksPerRequest: number
}

/** A locator holds about 2·log2(height) hashes; this caps a hostile one. */
export const MAX_LOCATOR = 64

export function encodeSyncMessage(message: SyncMessage): Uint8Array {
  switch (message.type) {
    case 'getHeaders':
      return ChainMessage.encode({ getHeaders: { locator: [...message.locator], stop: message.stop } }).finish()
    case 'headers':
      return ChainMessage.encode({ headers: { headers: [...message.headers] } }).finish()
    case 'getBlocks':
      return ChainMessage.encode({ getBlocks: { hashes: [...message.hashes] } }).finish()
    case 'blocks':
      return ChainMessage.encode({ blocks: { blocks: [...message.blocks] } }).finish()
  }
}

/** Decodes an untrusted sync message: size first, then the scan, then every count and length. */
export function decodeSyncMessage(bytes: Uint8Array, limits: SyncLimits): SyncMessage {
  const m = decodeBounded(bytes, 'chain sync message', limits.maxSyncMessageBytes, { maxOccurrences: 1 }, (b) => {
    // The scan saw one top-level field; the message inside is scanned too, so no repeated field inflates the decode.
    scanMessage(innerMessage(b), { maxOccurrences: Math.max(MAX_LOCATOR, limits.maxHeadersPerMessage, limits.maxBlocksPerRequest) })
    return ChainMessage.decode(b)
  })
  if (m.getHeaders) {
    const locator = m.getHeaders.locator ?? []
    const stop = m.getHeaders.stop ?? new Uint8Array(0)
    count(locator.length, MAX_LOCATOR, 'locator hashes')
    hashes([...locator, ...(stop.length === 0 ? [] : [stop])])
    return { type: 'getHeaders', locator, stop }
  }
  if (m.headers) {
    const headers = m.headers.headers ?? []
    count(headers.length, limits.maxHeadersPerMessage, 'headers')
    for (const header of headers) if (header.length !== HEADER_BYTES) throw new ChainError('MALFORMED', 'a header of the wrong length')
    return { type: 'headers', headers }
  }
  if (m.getBlocks) {
    const list = m.getBlocks.hashes ?? []
    count(list.length, limits.maxBlocksPerRequest, 'block hashes')
    hashes(list)
    return { type: 'getBlocks', hashes: list }
  }
  if (m.blocks) {
    const blocks = m.blocks.blocks ?? []
    count(blocks.length, limits.maxBlocksPerRequest, 'blocks')
    return { type: 'blocks', blocks }
  }
  throw new ChainError('MALFORMED', 'a chain sync message with no known message in it')
}

function count(n: number, max: number, what: string): void {
  if (n > max) throw new ChainError('TOO_LARGE', `${n} ${what} exceed the limit of ${max}`)
}

function hashes(list: readonly Uint8Array[]): void {
  for (const hash of list) if (hash.length !== HASH_BYTES) throw new ChainError('MALFORMED', `a block hash is ${HASH_BYTES} bytes`)
}

/** The bytes of the one length-delimited field a scanned ChainMessage holds (its tag is one byte: fields 1 to 4). */
function innerMessage(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes
  let length = 0
  let at = 1
  for (let shift = 0; at < bytes.length && shift < 35; shift += 7) {
    const byte = bytes[at++]!
    length += (byte & 0x7f) * 2 ** shift
    if (byte < 0x80) break
  }
  return bytes.subarray(at, at + length)
}
