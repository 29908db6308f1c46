import { TrustPowError } from '../errors.js'
import { DEFAULT_LOAD_THRESHOLD, DEFAULT_RAISE_BITS, MAX_STAMPED_TOPICS, MAX_TOPIC_LENGTH } from './constants.js'
import { MAX_STAMP_BITS } from './search.js'
import { checkBits } from './stamp.js'

/** Options of a {@link DifficultyPolicy}; only `topics` is required. */
export interface DifficultyPolicyOptions {
  /** Leading zero bits every sender's stamp must have, by topic; a topic left out requires no stamp. */
  readonly topics: Readonly<Record<string, number>>
  /** Extra bits asked of senders that are not trusted while the node is under load. Default 4 (16 times the work). */
  readonly raiseBits?: number
  /** Stamped envelopes checked per second, over every stamped topic, above which the node is under load. Default 200. */
  readonly loadThreshold?: number
  /** Whether an author (its 32-byte Ed25519 key) is known or trusted, and so pays only the base bits. Default: nobody is. */
  readonly trusted?: (author: Uint8Array) => boolean
}

/** The stamps one topic requires right now, as a node advertises them. */
export interface TopicDemand {
  readonly topic: string
  /** Bits a trusted sender's stamp must have. */
  readonly bits: number
  /** Bits any other sender's stamp must have: more than `bits` while the node is under load. */
  readonly untrustedBits: number
}

// Load is the count of the last second, decaying: cheap on every envelope, with no buckets to keep.
const LOAD_WINDOW_MS = 1_000

/**
 * How much work a node asks for, sans-I/O: every call takes the time. Each
 * stamped topic has its base bits; while more than `loadThreshold` stamped
 * envelopes a second arrive, senders that are not trusted owe `raiseBits`
 * more. {@link observe} is fed by the admission check, {@link advertise}
 * answers peers that ask what the node demands.
 */
export class DifficultyPolicy {
  readonly #topics: ReadonlyMap<string, number>
  readonly #raiseBits: number
  readonly #loadThreshold: number
  readonly #trusted: (author: Uint8Array) => boolean
  #load = 0
  #loadAt = 0

  constructor(options: DifficultyPolicyOptions) {
    const topics = Object.entries(options.topics)
    if (topics.length > MAX_STAMPED_TOPICS) throw new TrustPowError('INVALID_OPTION', `stamps on ${topics.length} topics; at most ${MAX_STAMPED_TOPICS}`)
    for (const [topic, bits] of topics) {
      if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
        throw new TrustPowError('INVALID_OPTION', `a stamped topic's name takes 1 to ${MAX_TOPIC_LENGTH} characters, got ${topic.length}`)
      }
      checkBits(bits, `the bits of topic ${topic}`)
    }
    this.#topics = new Map(topics)
    this.#raiseBits = checkBits(options.raiseBits ?? DEFAULT_RAISE_BITS, 'raiseBits')
    this.#loadThreshold = options.loadThreshold ?? DEFAULT_LOAD_THRESHOLD
    if (!(this.#loadThreshold >= 0)) throw new TrustPowError('INVALID_OPTION', `loadThreshold must be a number ≥ 0, got ${this.#loadThreshold}`)
    this.#trusted = options.trusted ?? (() => false)
  }

  /** The topics that require stamps. */
  topics(): string[] {
    return [...this.#topics.keys()]
  }

  /** Counts one stamped envelope checked at `now`, towards the node's load. */
  observe(now: number): void {
    this.#load = this.load(now) + 1
    this.#loadAt = Math.max(now, this.#loadAt)
  }

  /** Stamped envelopes checked in about the last second, at `now`. */
  load(now: number): number {
    return this.#load * Math.exp(-Math.max(0, now - this.#loadAt) / LOAD_WINDOW_MS)
  }

  /** Bits a stamp on `topic` by `author` must have at `now`; 0 on a topic that requires none. */
  demand(topic: string, author: Uint8Array, now: number): number {
    const bits = this.#topics.get(topic)
    if (bits === undefined) return 0
    const raised = this.#raised(bits, now)
    return raised > bits && !this.#trusted(author) ? raised : bits
  }

  /** What the node demands at `now` on every stamped topic, for peers that ask. */
  advertise(now: number): TopicDemand[] {
    return [...this.#topics].map(([topic, bits]) => ({ topic, bits, untrustedBits: this.#raised(bits, now) }))
  }

  #raised(bits: number, now: number): number {
    return this.load(now) > this.#loadThreshold ? Math.min(MAX_STAMP_BITS, bits + this.#raiseBits) : bits
  }
}
