/**
 * Copies of small byte strings carved from shared slabs: a fresh array per
 * copy (`slice`) allocates outside V8's heap, which cost an admitted
 * submission more than everything else the observer does to it. A slab is
 * freed once none of its copies is held any more; copies are made in
 * arrival order and released as their batches commit, so the slabs held are
 * those of the entries awaiting commit, plus at most one partly used.
 */
export class ByteArena {
  readonly #slabBytes: number
  #slab = new Uint8Array(0)
  #used = 0

  constructor(slabBytes = 65_536) {
    this.#slabBytes = slabBytes
  }

  /** A copy of `bytes`; one larger than an eighth of a slab gets its own array. */
  copy(bytes: Uint8Array): Uint8Array {
    const length = bytes.length
    if (length > this.#slabBytes >>> 3) return bytes.slice()
    if (this.#used + length > this.#slab.length) {
      this.#slab = new Uint8Array(this.#slabBytes)
      this.#used = 0
    }
    const copy = this.#slab.subarray(this.#used, this.#used + length)
    copy.set(bytes)
    this.#used += length
    return copy
  }
}
