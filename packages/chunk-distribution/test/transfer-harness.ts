import { joinBytes, type CoreEffect } from '@dscs/interface'
import { Bitfield, MemoryChunkStore, decodeTransferMessage, encodeTransferMessage, put, type ContentId, type Manifest, type TransferEvent, type TransferMessage } from '../src/index.js'
import { contentBytes } from './helpers.js'

export const CHUNK = 16 * 1024

/** Content of `chunks` chunks in a seeder's store, with its manifest. */
export async function seededContent(chunks: number, seed = 7): Promise<{ store: MemoryChunkStore; cid: ContentId; manifest: Manifest; bytes: Uint8Array }> {
  const store = new MemoryChunkStore()
  const bytes = contentBytes(chunks * CHUNK - 100, seed)
  const { cid, manifest } = await put(store, bytes, { chunkSize: CHUNK })
  return { store, cid, manifest, bytes }
}

export interface Sent {
  readonly to: string
  readonly message: TransferMessage
}

/** The messages among `effects`, decoded. */
export function sent(effects: readonly CoreEffect<TransferEvent>[]): Sent[] {
  return effects.flatMap((e) => (e.type === 'send' ? [{ to: e.to, message: decodeTransferMessage(joinBytes(e.bytes)) }] : []))
}

export function events(effects: readonly CoreEffect<TransferEvent>[]): TransferEvent[] {
  return effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []))
}

/** Requests among `effects`, as `peer:index`. */
export function requests(effects: readonly CoreEffect<TransferEvent>[]): { to: string; index: number }[] {
  return sent(effects).flatMap((s) => (s.message.type === 'request' ? [{ to: s.to, index: s.message.index }] : []))
}

export function bitfieldFrame(cid: ContentId, chunks: number, held: (index: number) => boolean): Uint8Array {
  const bits = new Bitfield(chunks)
  for (let i = 0; i < chunks; i++) if (held(i)) bits.set(i)
  return encodeTransferMessage({ type: 'bitfield', content: cid, bits: bits.bytes })
}

export async function pieceFrame(store: MemoryChunkStore, cid: ContentId, index: number): Promise<Uint8Array> {
  return encodeTransferMessage({ type: 'piece', content: cid, index, data: (await store.get(cid, index))!, proof: (await store.proof(cid, index))! })
}

/** A seeded stream of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed | 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 2 ** 32
  }
}
