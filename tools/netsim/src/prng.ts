/**
 * A small, fast, seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's
 * Small Fast Counting generator, 128-bit state, passes PractRand), seeded
 * through splitmix32 so nearby seeds give unrelated streams. Not for
 * cryptography; for reproducible simulation.
 */
export class Prng {
  #a: number
  #b: number
  #c: number
  #d: number

  /**
   * `seed` is any number; `streams` (any numbers) pick independent sequences
   * from the same seed, e.g. one per peer and incarnation.
   */
  constructor(seed: number, ...streams: number[]) {
    let s = mix32(mix32(toUint32(seed) ^ 0x9e3779b9) ^ toUint32(Math.floor(seed / 0x1_0000_0000)))
    for (const stream of streams) s = mix32(s ^ mix32((toUint32(stream) + 0x7f4a7c15) >>> 0))
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      return mix32(s)
    }
    this.#a = next()
    this.#b = next()
    this.#c = next()
    this.#d = next() | 1
    for (let i = 0; i < 12; i++) this.nextUint32() // discard the warm-up outputs
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const a = this.#a
    const b = this.#b
    const c = this.#c
    const d = this.#d
    const t = (((a + b) | 0) + d) | 0
    this.#d = (d + 1) | 0
    this.#a = b ^ (b >>> 9)
    this.#b = (c + (c << 3)) | 0
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0
    return t >>> 0
  }

  /** A uniform float in [0, 1), 32 bits of randomness. */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000
  }

  /** A uniform integer in [0, n), n ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  /** Fisher–Yates shuffle in place; returns `items`. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = items[i]!
      items[i] = items[j]!
      items[j] = tmp
    }
    return items
  }
}

function toUint32(n: number): number {
  return Number.isFinite(n) ? Number(BigInt.asUintN(32, BigInt(Math.trunc(n)))) : 0
}

/** The splitmix32 / murmur3 finaliser: a bijective 32-bit mix. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}
