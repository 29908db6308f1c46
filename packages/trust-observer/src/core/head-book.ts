import { LruCache } from '@dscs/identity'
import { bytesToHex } from '@noble/hashes/utils.js'
import { sameHash } from '../log/hash.js'
import { claims, type Signed, type TreeHead } from './statements.js'
import type { Claim } from './evidence.js'

/** Two statements of the observer that give one size two roots. */
export interface Conflict {
  readonly first: Claim
  readonly second: Claim
}

/**
 * What a client knows of the observer's tree heads: the first statement it
 * saw for each size (to catch a second root for it), the heads it verified
 * consistent (a chain: every one a prefix of the latest), and the witnesses'
 * cosignatures, from which the trusted head follows. Every map is bounded;
 * the oldest entries go first.
 */
export class HeadBook {
  readonly #threshold: number
  /** The first statement naming each size: a later one with another root is a fork. */
  readonly #claims: LruCache<number, Claim>
  /** Verified heads by size. */
  readonly #verified: LruCache<number, Signed<TreeHead>>
  /** Witness keys that cosigned each (size, root). */
  readonly #cosigners: LruCache<string, Set<string>>
  #latest: Signed<TreeHead> | undefined
  #trusted: Signed<TreeHead> | undefined

  constructor(options: { readonly threshold: number; readonly maxStatements: number; readonly maxCosigned: number }) {
    this.#threshold = options.threshold
    this.#claims = new LruCache(options.maxStatements)
    this.#verified = new LruCache(options.maxStatements)
    this.#cosigners = new LruCache(options.maxCosigned)
  }

  /** The verified head of the largest size (the latest signed, among heads of that size). */
  get latest(): Signed<TreeHead> | undefined {
    return this.#latest
  }

  /** The largest verified head with the cosignatures the client requires: what inclusion is checked under. */
  get trusted(): Signed<TreeHead> | undefined {
    return this.#trusted
  }

  /** The verified head of `size`, if still remembered. */
  verifiedAt(size: number): Signed<TreeHead> | undefined {
    return this.#verified.get(size)
  }

  /** Records what `statement` claims; returns the first conflict with an earlier statement, if any. */
  record(statement: Claim): Conflict | undefined {
    for (const claim of claims(statement)) {
      const earlier = this.#claims.get(claim.size)
      if (earlier === undefined) {
        this.#claims.set(claim.size, statement)
        continue
      }
      const root = claims(earlier).find((c) => c.size === claim.size)!.root
      if (!sameHash(root, claim.root)) return { first: earlier, second: statement }
    }
    return undefined
  }

  /** Takes `head`, checked consistent with the latest (or the first head of all): returns true when the trusted head moved. */
  verified(head: Signed<TreeHead>): boolean {
    const known = this.#verified.get(head.value.size)
    if (known === undefined || known.timestamp < head.timestamp) this.#verified.set(head.value.size, head)
    const latest = this.#latest
    if (latest === undefined || head.value.size > latest.value.size || (head.value.size === latest.value.size && head.timestamp > latest.timestamp)) {
      this.#latest = head
    }
    return this.#promote(head)
  }

  /** Counts a witness's cosignature (already checked); returns true when the trusted head moved. */
  cosigned(witness: string, head: TreeHead): boolean {
    const key = rootKey(head)
    const cosigners = this.#cosigners.get(key) ?? new Set<string>()
    cosigners.add(witness)
    this.#cosigners.set(key, cosigners)
    const verified = this.#verified.get(head.size)
    return verified !== undefined && sameHash(verified.value.root, head.root) && this.#promote(verified)
  }

  /** Makes `head` the trusted head if it is larger and cosigned enough. */
  #promote(head: Signed<TreeHead>): boolean {
    const trusted = this.#trusted
    if (trusted !== undefined && (head.value.size < trusted.value.size || (head.value.size === trusted.value.size && head.timestamp <= trusted.timestamp))) return false
    if (this.#threshold > 0 && (this.#cosigners.get(rootKey(head.value))?.size ?? 0) < this.#threshold) return false
    this.#trusted = head
    return true
  }
}

function rootKey(head: TreeHead): string {
  return `${head.size}:${bytesToHex(head.root)}`
}
