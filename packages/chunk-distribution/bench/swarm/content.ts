// Benchmark content: pseudo-random bytes (an AES-128-CTR keystream from a seed), the same for a seed every time,
// incompressible, and produced a megabyte at a time so that no one holds the whole of it.
import { createCipheriv, createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'

const PIECE = 1024 * 1024

/** `size` bytes determined by `seed`, in pieces of at most 1 MiB. */
export async function* generateContent(size: number, seed: number): AsyncGenerator<Uint8Array, void, undefined> {
  const key = Buffer.alloc(16)
  key.writeUInt32BE(seed >>> 0, 12)
  const keystream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const zeros = new Uint8Array(PIECE)
  for (let at = 0; at < size; at += PIECE) {
    yield keystream.update(zeros.subarray(0, Math.min(PIECE, size - at)))
  }
}

/** Writes the content of `seed` to `path`; resolves to its SHA-256 (hex). */
export async function writeContent(path: string, size: number, seed: number): Promise<string> {
  const file = await open(path, 'w')
  const hash = createHash('sha256')
  try {
    for await (const piece of generateContent(size, seed)) {
      hash.update(piece)
      await file.write(piece)
    }
  } finally {
    await file.close()
  }
  return hash.digest('hex')
}

/** SHA-256 (hex) of the content of `seed`, without storing it. */
export async function contentHash(size: number, seed: number): Promise<string> {
  return sha256Of(generateContent(size, seed))
}

export async function sha256Of(pieces: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of pieces) hash.update(piece)
  return hash.digest('hex')
}

export const sha256OfFile = (path: string): Promise<string> => sha256Of(createReadStream(path, { highWaterMark: PIECE }))
