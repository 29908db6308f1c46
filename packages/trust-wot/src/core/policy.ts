import type { TrustPolicy, TrustStatusChange, TrustSubject, TrustVerdict, Unsubscribe } from '@dscs/interface'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { opSetRoot, trustedRoot, type Attestation, type AttestationTerms } from './attestation.js'
import { MAX_ATTESTED_OPS } from './constants.js'
import { TrustWotError } from './errors.js'
import { checkDomain } from './messages.js'

/** How one state domain is judged. */
export interface WotDomainPolicy {
  /**
   * The trust (a fraction of the viewer's budget, from its own viewpoint)
   * that observers agreeing on a checkpoint's root must add up to before the
   * ops it lists are confirmed. Above 0, at most 1.
   */
  readonly threshold: number
  /**
   * What becomes of ops that no trusted checkpoint lists, because they were
   * made where, or when, too few trusted observers saw them: `nullify` drops
   * them from every view (the history the trusted observers saw wins);
   * `split` keeps the ones this node held when it learnt the checkpoint as a
   * history of its own (confirmed here, reported by `onSplit`), while nodes
   * that never held them drop them: the network splits.
   */
  readonly onLowTrust: 'nullify' | 'split'
}

export interface WotTrustPolicyOptions {
  /** The domains the policy judges; an op of another domain is refused (`UNKNOWN_DOMAIN`). */
  readonly domains: Readonly<Record<string, WotDomainPolicy>>
  /** Checkpoint windows, ms: an op belongs to the window of its timestamp. The same on every node. Default 5 000. */
  readonly interval?: number
  /** How long after a window closes its observers attest it, ms: ops later than that miss it. Default 2 000. */
  readonly lag?: number
  /** Whether this node is an observer: it attests every window of every domain, listing the ops it holds. Default false. */
  readonly observe?: boolean
  /** Most ops awaiting a checkpoint; past it the oldest is nullified. Default 10 000. */
  readonly maxPending?: number
}

/** Ops a `split` domain kept as a history of its own: no trusted checkpoint of their window lists them. */
export interface SplitHistory {
  readonly domain: string
  readonly version: number
  readonly ids: readonly string[]
}

/** A checkpoint enough trusted observers agree on. */
export interface TrustedCheckpoint {
  readonly domain: string
  readonly version: number
  /** The state root, hex. */
  readonly root: string
  /** The op ids it lists, hex. */
  readonly ops: ReadonlySet<string>
  /** The trust of the observers that attest it, summed. */
  readonly trust: number
  readonly observers: readonly string[]
}

/** What the policy reads from its trust-wot core. */
export interface AttestationSource {
  /** This node's public key, hex: its own attestations count for others, not for itself. */
  readonly self: string
  /** This node's trust in `key` (hex). */
  trust(key: string): number
  /** The attestations held for `domain` at `version`. */
  attestations(domain: string, version: number): readonly Attestation[]
  /** Each observer's latest attestation of `domain`. */
  latest(domain: string): readonly Attestation[]
}

interface PendingOp {
  readonly domain: string
  readonly version: number
}

const DEFAULT_INTERVAL = 5_000
const DEFAULT_LAG = 2_000
/** Windows an observer attests at most at once, should it have fallen behind. */
const MAX_BACKLOG = 16

/**
 * The web-of-trust mode as a {@link TrustPolicy}. Time is cut into windows of
 * `interval` ms; observers attest each window of each domain with an op-set
 * checkpoint (the ids of the ops they hold with timestamps in it, and their
 * root), `lag` ms after it closes. An op is pending until a checkpoint of its
 * window is *trusted* — attested, with the same root, by observers whose trust
 * from this node adds up to the domain's threshold — and then confirmed if
 * the checkpoint lists it. One that it does not list was made where or when
 * too few trusted observers saw it, and is nullified or kept as a split
 * history, as the domain says; one that arrives after its window's checkpoint
 * is trusted is nullified. While the trust available in this node's partition
 * is below the threshold, no checkpoint is trusted, so its ops stay pending
 * until the partition heals.
 *
 * Attach it to a trust-wot core (`TrustWotCore.attach`, or the service's
 * `trustPolicy`), which feeds it attestations and trust changes, ticks it,
 * and publishes its attestations when it observes.
 */
export class WotTrustPolicy implements TrustPolicy {
  readonly mode = 'web-of-trust'
  readonly interval: number
  readonly lag: number
  readonly observe: boolean
  readonly #domains: Readonly<Record<string, WotDomainPolicy>>
  readonly #maxPending: number
  #source: AttestationSource | undefined
  /** Ops awaiting a trusted checkpoint, oldest first, and the same by domain and window. */
  readonly #pending = new Map<string, PendingOp>()
  readonly #windows = new Map<string, Map<number, Set<string>>>()
  /** As an observer: the ops seen per domain and window not attested yet, and the last window attested. */
  readonly #seen = new Map<string, Map<number, Set<string>>>()
  #attested: number | undefined
  readonly #splits = new Map<string, SplitHistory[]>()
  #splitCount = 0
  readonly #listeners = new Set<(change: TrustStatusChange) => void>()
  readonly #splitListeners = new Set<(split: SplitHistory) => void>()
  /** Roots of empty op sets, by domain and version: an empty checkpoint's root to compare with. */
  readonly #emptyRoots = new Map<string, string>()

  constructor(options: WotTrustPolicyOptions) {
    for (const [domain, policy] of Object.entries(options.domains)) {
      checkDomain(domain)
      if (!(policy.threshold > 0 && policy.threshold <= 1)) throw new TrustWotError('INVALID_OPTION', `the threshold of ${domain} must be above 0 and at most 1`)
      if (policy.onLowTrust !== 'nullify' && policy.onLowTrust !== 'split') throw new TrustWotError('INVALID_OPTION', `onLowTrust of ${domain} is 'nullify' or 'split'`)
    }
    this.#domains = { ...options.domains }
    this.interval = positive(options.interval, DEFAULT_INTERVAL, 'interval')
    this.lag = positive(options.lag, DEFAULT_LAG, 'lag')
    this.observe = options.observe ?? false
    this.#maxPending = positive(options.maxPending, 10_000, 'maxPending')
  }

  /** Connects the policy to the core it reads attestations and trust from. */
  bind(source: AttestationSource): void {
    this.#source = source
  }

  /** The window an op or a time falls in. */
  versionOf(timestamp: number): number {
    return Math.floor(timestamp / this.interval)
  }

  evaluate(subject: TrustSubject, now: number): TrustVerdict {
    if (!Object.hasOwn(this.#domains, subject.domain)) return { status: 'reject', code: 'UNKNOWN_DOMAIN', reason: `the policy judges no domain ${subject.domain}` }
    if (this.#pending.has(subject.id)) return { status: 'pending', reason: 'waiting for a trusted checkpoint of its window' }
    const version = this.versionOf(subject.timestamp)
    if (this.observe) this.#see(subject.domain, version, subject.id, now)
    const checkpoint = this.trustedCheckpoint(subject.domain, version)
    if (checkpoint?.ops.has(subject.id)) return { status: 'accept' }
    if (checkpoint !== undefined) {
      // Its window was settled without it: it came too late. Told once the caller holds it as pending.
      queueMicrotask(() => this.#tell({ id: subject.id, status: 'nullified', reason: `the trusted checkpoint of window ${version} does not list it: it came too late` }))
      return { status: 'pending', reason: 'its window was settled without it' }
    }
    this.#hold(subject.id, subject.domain, version)
    return { status: 'pending', reason: `waiting for observers with trust ${this.#domains[subject.domain]!.threshold} to attest window ${version}` }
  }

  onStatusChange(listener: (change: TrustStatusChange) => void): Unsubscribe {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Calls `listener` with each history a `split` domain keeps apart. */
  onSplit(listener: (split: SplitHistory) => void): Unsubscribe {
    this.#splitListeners.add(listener)
    return () => this.#splitListeners.delete(listener)
  }

  /** The histories `domain` kept apart so far (the most recent `maxPending` ops' worth). */
  splits(domain: string): readonly SplitHistory[] {
    return this.#splits.get(domain) ?? []
  }

  /** Ops awaiting a trusted checkpoint. */
  get pending(): number {
    return this.#pending.size
  }

  /**
   * The checkpoint of `domain` at `version` that observers (this node
   * excepted) whose trust adds up to the threshold attest with one root, if
   * there is exactly one.
   */
  trustedCheckpoint(domain: string, version: number): TrustedCheckpoint | undefined {
    const source = this.#source
    const policy = this.#domains[domain]
    if (source === undefined || policy === undefined) return undefined
    const trusted = trustedRoot(source.attestations(domain, version), (observer) => source.trust(observer), policy.threshold, source.self, (a) => this.#isCheckpoint(a))
    if (trusted === undefined) return undefined
    const observers = trusted.attestations.map((a) => a.observer)
    return { domain, version, root: trusted.root, ops: new Set(trusted.attestations[0]!.ops), trust: trusted.trust, observers }
  }

  /** The trust of the observers (this node excepted) that attested `domain` recently: what this node's partition has. */
  available(domain: string, now: number): number {
    const source = this.#source
    if (source === undefined) return 0
    const since = now - 3 * this.interval - this.lag
    let trust = 0
    for (const attestation of source.latest(domain)) if (attestation.observer !== source.self && attestation.time >= since) trust += source.trust(attestation.observer)
    return trust
  }

  /** A new attestation of `domain` at `version` arrived: its window may be settled now. */
  attested(domain: string, version: number): void {
    this.#settle(domain, version)
  }

  /** This node's trust in some identities changed: any window may be settled now. */
  trustShifted(): void {
    for (const [domain, windows] of this.#windows) for (const version of [...windows.keys()]) this.#settle(domain, version)
  }

  /** As an observer: the checkpoints of the windows closed `lag` ago or more, to sign and publish. */
  tick(now: number): AttestationTerms[] {
    if (!this.observe) return []
    const last = this.versionOf(now - this.lag) - 1
    const first = Math.max((this.#attested ?? last - 1) + 1, last - MAX_BACKLOG + 1)
    const terms: AttestationTerms[] = []
    for (let version = first; version <= last; version++) {
      for (const domain of Object.keys(this.#domains)) {
        const seen = this.#seen.get(domain)
        const ids = [...(seen?.get(version) ?? [])].sort()
        seen?.delete(version)
        // A window with more ops than an attestation lists goes unattested: its ops wait for other observers.
        if (ids.length > MAX_ATTESTED_OPS) continue
        const ops = ids.map(hexToBytes)
        terms.push({ domain, version, time: (version + 1) * this.interval, stateRoot: opSetRoot(domain, version, ops), ops })
      }
    }
    this.#attested = Math.max(this.#attested ?? last, last)
    for (const seen of this.#seen.values()) for (const version of seen.keys()) if (version <= this.#attested) seen.delete(version)
    return terms
  }

  /** When an observer next has a window to attest: at once when it has not started. */
  nextDeadline(): number | undefined {
    if (!this.observe) return undefined
    return this.#attested === undefined ? 0 : (this.#attested + 2) * this.interval + this.lag
  }

  /** Whether the policy's own op-set rule holds: the root is the op-set root of the ids (checked for empty lists here, by the core for others). */
  #isCheckpoint(attestation: Attestation): boolean {
    if (attestation.ops.length > 0) return true
    const key = `${attestation.domain}/${attestation.version}`
    let empty = this.#emptyRoots.get(key)
    if (empty === undefined) {
      empty = bytesToHex(opSetRoot(attestation.domain, attestation.version, []))
      if (this.#emptyRoots.size >= 1_024) this.#emptyRoots.clear()
      this.#emptyRoots.set(key, empty)
    }
    return attestation.root === empty
  }

  #see(domain: string, version: number, id: string, now: number): void {
    // Windows already attested, or closed too long ago, are not attested again.
    if ((this.#attested !== undefined && version <= this.#attested) || version < this.versionOf(now) - MAX_BACKLOG) return
    windowOf(this.#seen, domain, version).add(id)
  }

  #hold(id: string, domain: string, version: number): void {
    this.#pending.set(id, { domain, version })
    windowOf(this.#windows, domain, version).add(id)
    if (this.#pending.size > this.#maxPending) {
      const [oldest] = this.#pending.keys()
      this.#release(oldest!)
      this.#tell({ id: oldest!, status: 'nullified', reason: 'waited too long for a trusted checkpoint' })
    }
  }

  #release(id: string): void {
    const held = this.#pending.get(id)
    if (held === undefined) return
    this.#pending.delete(id)
    const windows = this.#windows.get(held.domain)!
    const ids = windows.get(held.version)!
    ids.delete(id)
    if (ids.size === 0) windows.delete(held.version)
    if (windows.size === 0) this.#windows.delete(held.domain)
  }

  /** Decides the ops of a window once a checkpoint of it is trusted. */
  #settle(domain: string, version: number): void {
    const ids = this.#windows.get(domain)?.get(version)
    if (ids === undefined) return
    const checkpoint = this.trustedCheckpoint(domain, version)
    if (checkpoint === undefined) return
    const kept: string[] = []
    const split = this.#domains[domain]!.onLowTrust === 'split'
    for (const id of [...ids]) {
      this.#release(id)
      if (checkpoint.ops.has(id)) {
        this.#tell({ id, status: 'confirmed', reason: `listed by the checkpoint of window ${version}, attested by observers with trust ${checkpoint.trust.toFixed(3)}` })
      } else if (split) {
        kept.push(id)
        this.#tell({ id, status: 'confirmed', reason: `kept in a split history: the trusted checkpoint of window ${version} does not list it` })
      } else {
        this.#tell({ id, status: 'nullified', reason: `the trusted checkpoint of window ${version} does not list it: too few trusted observers saw it` })
      }
    }
    if (kept.length > 0) this.#keepSplit({ domain, version, ids: kept })
  }

  #keepSplit(split: SplitHistory): void {
    const histories = this.#splits.get(split.domain) ?? []
    histories.push(split)
    this.#splits.set(split.domain, histories)
    this.#splitCount += split.ids.length
    // Bounded like the pending ops: the oldest histories are forgotten first (their ops stay confirmed).
    while (this.#splitCount > this.#maxPending && histories.length > 1) this.#splitCount -= histories.shift()!.ids.length
    for (const listener of this.#splitListeners) listener(split)
  }

  #tell(change: TrustStatusChange): void {
    for (const listener of this.#listeners) listener(change)
  }
}

/** The ids held for `domain` and `version` in `windows`, made empty when there are none yet. */
function windowOf(windows: Map<string, Map<number, Set<string>>>, domain: string, version: number): Set<string> {
  let versions = windows.get(domain)
  if (versions === undefined) {
    versions = new Map()
    windows.set(domain, versions)
  }
  let ids = versions.get(version)
  if (ids === undefined) {
    ids = new Set()
    versions.set(version, ids)
  }
  return ids
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < 1) throw new TrustWotError('INVALID_OPTION', `${name} must be a positive integer`)
  return resolved
}
