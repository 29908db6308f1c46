import { parseContentId, type ChunkDistribution, type ContentId, type PutOptions } from '@dscs/chunk-distribution'
import { isDscsError } from '@dscs/interface'
import type { Attestation } from './core/attestation.js'
import { TrustWotError } from './core/errors.js'
import type { TrustWot } from './index.js'

/** A snapshot an observer publishes: the encoded state of `domain` at `version`, as of `time`. */
export interface Snapshot {
  readonly domain: string
  readonly version: number
  /** The state as of this time, ms since the epoch. */
  readonly time: number
  readonly bytes: Uint8Array
}

export interface FetchSnapshotOptions {
  readonly domain: string
  /** The trust (a fraction of this node's budget) the observers attesting the snapshot's root must add up to. */
  readonly threshold: number
  /** The version wanted; by default the latest one with a trusted root. */
  readonly version?: number
  /** Largest snapshot taken, bytes. Default 64 MiB. */
  readonly maxBytes?: number
  /** Gives the wait for a trusted root, or the download, up (`ABORTED`). */
  readonly signal?: AbortSignal
}

/** A snapshot whose content id observers with enough trust attest, downloaded and verified against it. */
export interface TrustedSnapshot {
  readonly domain: string
  readonly version: number
  readonly cid: ContentId
  readonly bytes: Uint8Array
  /** The trust of the observers that attest it, summed, and their attestations. */
  readonly trust: number
  readonly attestations: readonly Attestation[]
}

const DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024

/**
 * As an observer: stores `snapshot.bytes` with chunk-distribution (which
 * seeds it), and attests its content id as the root of `snapshot.domain` at
 * `snapshot.version`. Observers that derive the same state encode the same
 * bytes (and chunk them alike: the same `chunkSize`), so they attest the same
 * content id.
 */
export async function publishSnapshot(
  wot: Pick<TrustWot, 'attest'>,
  chunks: Pick<ChunkDistribution, 'publish'>,
  snapshot: Snapshot,
  options: Pick<PutOptions, 'chunkSize'> = {}
): Promise<{ cid: ContentId; attestation: Attestation }> {
  const cid = await chunks.publish(snapshot.bytes, options)
  const attestation = await wot.attest({ domain: snapshot.domain, version: snapshot.version, time: snapshot.time, stateRoot: cid.bytes })
  return { cid, attestation }
}

/**
 * Starts a state from a snapshot instead of replaying its history: waits
 * until observers whose trust from this node adds up to `threshold` attest
 * one content id as the root of `domain` (at `version`, or the latest version
 * they agree on), downloads that content with chunk-distribution — every chunk
 * verified against the attested id before it is stored — and returns its
 * bytes. A root that is no content id fails with `BAD_SNAPSHOT`, as does
 * content larger than `maxBytes`.
 */
export async function fetchTrustedSnapshot(
  wot: Pick<TrustWot, 'trustedRoot' | 'latestTrustedRoot' | 'onEvent'>,
  chunks: Pick<ChunkDistribution, 'fetch' | 'read'>,
  options: FetchSnapshotOptions
): Promise<TrustedSnapshot> {
  const { domain, threshold, version: wanted, signal } = options
  const find = () => {
    if (wanted === undefined) return wot.latestTrustedRoot(domain, threshold)
    const trusted = wot.trustedRoot(domain, wanted, threshold)
    return trusted === undefined ? undefined : { ...trusted, version: wanted }
  }
  const trusted = find() ?? (await new Promise<NonNullable<ReturnType<typeof find>>>((resolve, reject) => {
    // Attestations and the trust in their observers arrive as events: look again at each.
    const stop = wot.onEvent((event) => {
      if (event.type !== 'attestation' && event.type !== 'trust') return
      const found = find()
      if (found === undefined) return
      done()
      resolve(found)
    })
    const aborted = () => {
      done()
      reject(new TrustWotError('ABORTED', `gave up waiting for a trusted snapshot of ${domain}`))
    }
    const done = () => {
      stop()
      signal?.removeEventListener('abort', aborted)
    }
    if (signal?.aborted === true) return aborted()
    signal?.addEventListener('abort', aborted, { once: true })
  }))
  let cid: ContentId
  try {
    cid = parseContentId(trusted.stateRoot)
  } catch (err) {
    if (!isDscsError(err)) throw err
    throw new TrustWotError('BAD_SNAPSHOT', `the trusted root of ${domain} at ${trusted.version} is not a content id`, { cause: err })
  }
  const manifest = await chunks.fetch(cid, signal === undefined ? {} : { signal })
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES
  if (manifest.size > maxBytes) throw new TrustWotError('BAD_SNAPSHOT', `a snapshot of ${manifest.size} bytes; at most ${maxBytes}`)
  const bytes = new Uint8Array(manifest.size)
  let at = 0
  for await (const piece of chunks.read(cid, signal === undefined ? {} : { signal })) {
    bytes.set(piece, at)
    at += piece.length
  }
  return { domain, version: trusted.version, cid, bytes, trust: trusted.trust, attestations: trusted.attestations }
}
