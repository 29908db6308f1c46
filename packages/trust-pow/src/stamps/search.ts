// The hashing loop every minter shares (inline, Node worker threads, browser Web Workers). It imports nothing
// at run time, so a worker loads it as it is, from src/ (TypeScript run by Node) or dist/.

/** A stamp is the nonce as 8 bytes, big-endian. */
export const STAMP_NONCE_BYTES = 8

/** Most leading zero bits a stamp can be asked for: 2^48 expected hashes is days of work on one core. */
export const MAX_STAMP_BITS = 48

/** One worker's share of a search, as a minter posts it. */
export interface MintJob {
  /** The signing bytes of the envelope being stamped. */
  readonly signing: Uint8Array
  readonly bits: number
  /** The first nonce to try; the job tries `count` nonces from there. */
  readonly start: number
  readonly count: number
  /** Hashes between two progress reports. */
  readonly progressEvery: number
}

/** What a worker reports: hashes tried since its last report, and the nonce once found. */
export type MintReply =
  | { readonly type: 'progress'; readonly hashes: number }
  | { readonly type: 'found'; readonly nonce: number; readonly hashes: number }
  | { readonly type: 'exhausted'; readonly hashes: number }

const K = Int32Array.from(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ],
  (k) => k | 0
)
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19], (v) => v | 0)
const W = new Int32Array(64)
const TWO_32 = 0x1_0000_0000

/** One SHA-256 compression (FIPS 180-4) of the 16 words of `block` at `offset` into `state`, written to `out`. */
function compress(state: Int32Array, out: Int32Array, block: Int32Array, offset: number): void {
  for (let i = 0; i < 16; i++) W[i] = block[offset + i]!
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!
    const w2 = W[i - 2]!
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0
  }
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  let e = state[4]!
  let f = state[5]!
  let g = state[6]!
  let h = state[7]!
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  out[0] = (state[0]! + a) | 0
  out[1] = (state[1]! + b) | 0
  out[2] = (state[2]! + c) | 0
  out[3] = (state[3]! + d) | 0
  out[4] = (state[4]! + e) | 0
  out[5] = (state[5]! + f) | 0
  out[6] = (state[6]! + g) | 0
  out[7] = (state[7]! + h) | 0
}

/** Whether a digest, as big-endian words, starts with at least `bits` zero bits. */
function meetsTarget(digest: Int32Array, bits: number): boolean {
  let left = bits
  for (let i = 0; left > 0; i++, left -= 32) {
    const zeros = Math.clz32(digest[i]!)
    if (zeros < Math.min(32, left)) return false
  }
  return true
}

/**
 * Searches nonces for one message. The SHA-256 state over every whole
 * 64-byte block of the signing bytes is computed once; each attempt writes
 * the nonce into the last one or two blocks and compresses only those, so an
 * attempt costs one or two compressions whatever the message's length.
 */
export class NonceSearch {
  readonly #bits: number
  readonly #midstate = IV.slice()
  readonly #tail: Uint8Array
  readonly #words: Int32Array
  readonly #nonceAt: number
  readonly #between = new Int32Array(8)
  readonly #digest = new Int32Array(8)

  constructor(signing: Uint8Array, bits: number) {
    this.#bits = bits
    const whole = signing.length - (signing.length % 64)
    const block = new Int32Array(16)
    for (let at = 0; at < whole; at += 64) {
      readWords(signing, at, block, 0, 16)
      compress(this.#midstate, this.#midstate, block, 0)
    }
    this.#nonceAt = signing.length - whole
    // The rest of the message, the nonce, the 0x80 marker and the 64-bit length fill one block, or two.
    const blocks = this.#nonceAt + STAMP_NONCE_BYTES + 9 <= 64 ? 1 : 2
    this.#tail = new Uint8Array(64 * blocks)
    this.#tail.set(signing.subarray(whole))
    this.#tail[this.#nonceAt + STAMP_NONCE_BYTES] = 0x80
    const bitLength = (signing.length + STAMP_NONCE_BYTES) * 8
    const view = new DataView(this.#tail.buffer)
    view.setUint32(this.#tail.length - 8, Math.floor(bitLength / TWO_32))
    view.setUint32(this.#tail.length - 4, bitLength >>> 0)
    this.#words = new Int32Array(16 * blocks)
    readWords(this.#tail, 0, this.#words, 0, 16 * blocks)
  }

  /** Tries `count` nonces from `start`; returns how many it tried before the first that meets the target (-1 when none does). */
  run(start: number, count: number): number {
    const tail = this.#tail
    const words = this.#words
    const at = this.#nonceAt
    const first = at >>> 2
    const last = (at + STAMP_NONCE_BYTES - 1) >>> 2
    const twoBlocks = words.length > 16
    let high = Math.floor(start / TWO_32)
    let low = start >>> 0
    for (let i = 0; i < count; i++) {
      tail[at] = high >>> 24
      tail[at + 1] = high >>> 16
      tail[at + 2] = high >>> 8
      tail[at + 3] = high
      tail[at + 4] = low >>> 24
      tail[at + 5] = low >>> 16
      tail[at + 6] = low >>> 8
      tail[at + 7] = low
      readWords(tail, first * 4, words, first, last - first + 1)
      if (twoBlocks) {
        compress(this.#midstate, this.#between, words, 0)
        compress(this.#between, this.#digest, words, 16)
      } else {
        compress(this.#midstate, this.#digest, words, 0)
      }
      if (meetsTarget(this.#digest, this.#bits)) return i
      low = (low + 1) >>> 0
      if (low === 0) high++
    }
    return -1
  }
}

/** Reads `count` big-endian words of `bytes` from byte `at` into `words` from index `into`. */
function readWords(bytes: Uint8Array, at: number, words: Int32Array, into: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const b = at + 4 * i
    words[into + i] = (bytes[b]! << 24) | (bytes[b + 1]! << 16) | (bytes[b + 2]! << 8) | bytes[b + 3]!
  }
}

/** The stamp bytes of `nonce`: 8 bytes, big-endian. */
export function nonceBytes(nonce: number): Uint8Array {
  const stamp = new Uint8Array(STAMP_NONCE_BYTES)
  const view = new DataView(stamp.buffer)
  view.setUint32(0, Math.floor(nonce / TWO_32))
  view.setUint32(4, nonce >>> 0)
  return stamp
}

/** Runs a worker's job to its end, reporting through `post` every `progressEvery` hashes; the minter terminates the worker to stop it early. */
export function runMintJob(job: MintJob, post: (reply: MintReply) => void): void {
  const search = new NonceSearch(job.signing, job.bits)
  for (let done = 0; done < job.count; ) {
    const batch = Math.min(job.progressEvery, job.count - done)
    const tried = search.run(job.start + done, batch)
    if (tried >= 0) return post({ type: 'found', nonce: job.start + done + tried, hashes: tried + 1 })
    done += batch
    post({ type: 'progress', hashes: batch })
  }
  post({ type: 'exhausted', hashes: 0 })
}
