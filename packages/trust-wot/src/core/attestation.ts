import type { Identity } from '@dscs/identity'
import { compareBytes } from '@dscs/interface'
import { CanonicalBytes, decodePayload, type Envelope } from '@dscs/wire'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MAX_ATTESTATION_BYTES } from './constants.js'
import { TrustWotError } from './errors.js'
import { AttestationPayloadKind } from './messages.js'
import { sealEnvelope } from './signed.js'

/** An observer's attestation, decoded and checked. */
export interface Attestation {
  /** The envelope hash, hex. */
  readonly id: string
  /** The encoded envelope, as signed. */
  readonly bytes: Uint8Array
  /** The observer's (author's) public key, hex. */
  readonly observer: string
  readonly domain: string
  readonly stateRoot: Uint8Array
  /** The state root, hex. */
  readonly root: string
  readonly version: number
  /** The state as of this time, ms. */
  readonly time: number
  /** The op ids listed, hex, ascending. */
  readonly ops: readonly string[]
  /** When the observer signed it, ms. */
  readonly timestamp: number
}

/** What an attestation says. */
export interface AttestationTerms {
  readonly domain: string
  readonly stateRoot: Uint8Array
  readonly version: number
  readonly time: number
  /** Op ids (32 bytes each) the state holds, for op-set checkpoints; sorted here. */
  readonly ops?: readonly Uint8Array[]
}

/** Two attestations for one domain and version that disagree on the root. */
export interface Evidence {
  /** `equivocation`: one observer signed both; `conflict`: two observers disagree. */
  readonly type: 'equivocation' | 'conflict'
  readonly domain: string
  readonly version: number
  /** The attestation held before, and the one that disagrees with it. */
  readonly attestations: readonly [Attestation, Attestation]
}

const OP_SET_TAG = 'DSCS/trust-wot/op-set/v1'

/**
 * The root of an op set: SHA-256 over a tag, the domain, the version and the
 * op ids in ascending order. What the trust policy's observers attest, so a
 * viewer can check that the ids listed are the ones attested.
 */
export function opSetRoot(domain: string, version: number, ops: readonly Uint8Array[]): Uint8Array {
  const canonical = new CanonicalBytes(OP_SET_TAG).string(domain).u64(version).u32(ops.length)
  for (const op of ops) canonical.fixed(op, 32, 'op id')
  return sha256(canonical.finish())
}

/** Signs an attestation by `identity` (the observer) of `terms`, dated `now`. */
export function signAttestation(identity: Identity, terms: AttestationTerms, now: number): Uint8Array {
  const ops = [...(terms.ops ?? [])].sort(compareBytes)
  const payload = AttestationPayloadKind.codec.encode({ domain: terms.domain, stateRoot: terms.stateRoot, version: terms.version, time: Math.floor(terms.time), ops })
  AttestationPayloadKind.validate!({ domain: terms.domain, stateRoot: terms.stateRoot, version: terms.version, time: terms.time, ops })
  return sealEnvelope(identity, AttestationPayloadKind.name, payload, now, MAX_ATTESTATION_BYTES)
}

/** The attestation an envelope of its kind holds, with its fields checked; its signature is not. */
export function readAttestation(envelope: Envelope, id: string, bytes: Uint8Array, maxClockSkew: number, now: number): Attestation {
  if (envelope.timestamp > now + maxClockSkew) throw new TrustWotError('FROM_FUTURE', `an attestation signed ${envelope.timestamp - now} ms ahead of this node's clock`)
  const payload = decodePayload(envelope, AttestationPayloadKind)
  if (payload.time > envelope.timestamp + maxClockSkew) throw new TrustWotError('FROM_FUTURE', 'an attestation of a state later than its signature')
  return {
    id,
    bytes,
    observer: bytesToHex(envelope.author),
    domain: payload.domain,
    stateRoot: payload.stateRoot.slice(),
    root: bytesToHex(payload.stateRoot),
    version: payload.version,
    time: payload.time,
    ops: payload.ops.map(bytesToHex),
    timestamp: envelope.timestamp
  }
}

/** A root that observers whose trust adds up to a threshold attest. */
export interface TrustedRoot {
  /** The state root, hex, and as bytes. */
  readonly root: string
  readonly stateRoot: Uint8Array
  /** The trust of the observers that attest it, summed. */
  readonly trust: number
  readonly attestations: readonly Attestation[]
}

/**
 * The one root that `attestations` (of one domain and version) by observers
 * other than `self`, weighed by `trustOf`, attest with trust adding up to
 * `threshold`; undefined when no root does, or when two do (the observers
 * contradict each other, and neither is taken).
 */
export function trustedRoot(
  attestations: readonly Attestation[],
  trustOf: (observer: string) => number,
  threshold: number,
  self: string,
  accept: (attestation: Attestation) => boolean = () => true
): TrustedRoot | undefined {
  const byRoot = new Map<string, { trust: number; attestations: Attestation[] }>()
  for (const attestation of attestations) {
    if (attestation.observer === self || !accept(attestation)) continue
    const trust = trustOf(attestation.observer)
    if (trust === 0) continue
    const group = byRoot.get(attestation.root) ?? { trust: 0, attestations: [] }
    group.trust += trust
    group.attestations.push(attestation)
    byRoot.set(attestation.root, group)
  }
  const trusted = [...byRoot].filter(([, group]) => group.trust >= threshold)
  if (trusted.length !== 1) return undefined
  const [root, group] = trusted[0]!
  return { root, stateRoot: group.attestations[0]!.stateRoot, trust: group.trust, attestations: group.attestations }
}

export interface AttestationBookOptions {
  /** Versions of each domain kept, the latest. */
  readonly maxVersions: number
  /** Domains kept. */
  readonly maxDomains: number
  /** Observers kept per domain and version. */
  readonly maxObserversPerVersion: number
}

interface VersionAttestations {
  /** The first attestation of each observer. */
  readonly byObserver: Map<string, Attestation>
  /** Attestations of a second root by an observer, already reported, by id. */
  readonly equivocations: Set<string>
}

interface DomainAttestations {
  readonly versions: Map<number, VersionAttestations>
  /** Each observer's latest attestation (by version, then time). */
  readonly latest: Map<string, Attestation>
  top: number
}

/**
 * The attestations a node holds: per domain and version, the first of each
 * observer, for the latest `maxVersions` versions. A second root from one
 * observer for one version is not kept but reported as equivocation (as many
 * times per version as it keeps observers); the first attestation of a root
 * that differs from one held is reported as a conflict.
 */
export class AttestationBook {
  readonly #options: AttestationBookOptions
  readonly #domains = new Map<string, DomainAttestations>()

  constructor(options: AttestationBookOptions) {
    this.#options = options
  }

  /** Whether `attestation` is news: `known` when held (or reported) already, `stale` when there is no room or its version is too old. */
  check(attestation: Attestation): 'new' | 'known' | 'stale' {
    const domain = this.#domains.get(attestation.domain)
    if (domain === undefined) return this.#domains.size < this.#options.maxDomains ? 'new' : 'stale'
    if (attestation.version <= domain.top - this.#options.maxVersions) return 'stale'
    const version = domain.versions.get(attestation.version)
    if (version === undefined) return 'new'
    const held = version.byObserver.get(attestation.observer)
    if (held !== undefined) {
      if (held.root === attestation.root || version.equivocations.has(attestation.id)) return 'known'
      return version.equivocations.size < this.#options.maxObserversPerVersion ? 'new' : 'stale'
    }
    return version.byObserver.size < this.#options.maxObserversPerVersion ? 'new' : 'stale'
  }

  /** Takes `attestation` if it is new; returns the evidence it brings, if any. */
  add(attestation: Attestation): { admission: 'new' | 'known' | 'stale'; evidence?: Evidence } {
    const admission = this.check(attestation)
    if (admission !== 'new') return { admission }
    let domain = this.#domains.get(attestation.domain)
    if (domain === undefined) {
      domain = { versions: new Map(), latest: new Map(), top: attestation.version }
      this.#domains.set(attestation.domain, domain)
    }
    let version = domain.versions.get(attestation.version)
    if (version === undefined) {
      version = { byObserver: new Map(), equivocations: new Set() }
      domain.versions.set(attestation.version, version)
    }
    const { domain: name, version: number } = attestation
    const held = version.byObserver.get(attestation.observer)
    if (held !== undefined) {
      version.equivocations.add(attestation.id)
      return { admission, evidence: { type: 'equivocation', domain: name, version: number, attestations: [held, attestation] } }
    }
    const others = [...version.byObserver.values()]
    const other = others.find((a) => a.root !== attestation.root)
    const firstOfRoot = !others.some((a) => a.root === attestation.root)
    version.byObserver.set(attestation.observer, attestation)
    const latest = domain.latest.get(attestation.observer)
    if (latest === undefined || number > latest.version || (number === latest.version && attestation.time > latest.time)) domain.latest.set(attestation.observer, attestation)
    if (number > domain.top) this.#advance(domain, number)
    if (other !== undefined && firstOfRoot) return { admission, evidence: { type: 'conflict', domain: name, version: number, attestations: [other, attestation] } }
    return { admission }
  }

  /** The attestations held for `domain` at `version`, one per observer. */
  at(domain: string, version: number): readonly Attestation[] {
    return [...(this.#domains.get(domain)?.versions.get(version)?.byObserver.values() ?? [])]
  }

  /** Each observer's latest attestation of `domain`. */
  latest(domain: string): readonly Attestation[] {
    return [...(this.#domains.get(domain)?.latest.values() ?? [])]
  }

  /** The versions of `domain` held, the latest first. */
  versions(domain: string): number[] {
    return [...(this.#domains.get(domain)?.versions.keys() ?? [])].sort((a, b) => b - a)
  }

  /** The latest version of `domain` held. */
  top(domain: string): number | undefined {
    return this.#domains.get(domain)?.top
  }

  /** Every attestation held, the latest versions first. */
  *all(): Generator<Attestation> {
    for (const domain of this.#domains.values()) {
      const versions = [...domain.versions.keys()].sort((a, b) => b - a)
      for (const version of versions) yield* domain.versions.get(version)!.byObserver.values()
    }
  }

  /** Forgets the versions that fell out of the window, and the observers' latest attestations with them. */
  #advance(domain: DomainAttestations, top: number): void {
    domain.top = top
    const floor = top - this.#options.maxVersions
    for (const version of domain.versions.keys()) if (version <= floor) domain.versions.delete(version)
    for (const [observer, attestation] of domain.latest) if (attestation.version <= floor) domain.latest.delete(observer)
  }
}
