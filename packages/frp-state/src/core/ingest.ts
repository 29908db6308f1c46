import type { TrustPolicy, TrustVerdict } from '@dscs/interface'
import { openEnvelope, type VerificationCache } from '@dscs/identity'
import { WireError, decodeEnvelope, envelopeHash, type Envelope } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { OpCodec } from './codec.js'
import { FrpStateError } from './errors.js'
import { MAX_HLC_COUNTER } from './hlc.js'
import type { OpLog } from './op-log.js'
import type { Op } from './op.js'

/** What ingesting needs to know about the state it feeds. */
export interface IngestRules<P> {
  readonly kind: string
  readonly domain: string
  readonly codec: OpCodec<P>
  readonly maxPayloadBytes: number
  readonly maxEnvelopeBytes: number
  /** Ops older than `now - horizon` are refused. */
  readonly horizon: number
  /** Ops newer than `now + maxFuture` are refused. */
  readonly maxFuture: number
  readonly trust: TrustPolicy
  readonly verificationCache?: VerificationCache
}

/** An op that passed every check, with the trust policy's verdict. */
export interface Admitted<P> {
  readonly op: Op<P>
  readonly verdict: Exclude<TrustVerdict, { status: 'reject' }>
}

/** The op is held already: not an offence, and nothing to do. */
export class Duplicate extends FrpStateError {
  constructor(key: string) {
    super('DUPLICATE_OP', `op ${key.slice(0, 16)}… is held already`)
  }
}

/**
 * Checks op bytes from anywhere (a topic, a sync peer, the disk), cheapest
 * first: size and decoding, kind, duplicate, time window and HLC counter,
 * payload, then the signature (or the node's cached verdict), and last the
 * trust policy. Throws a DscsError naming the first failure; the log is untouched.
 */
export function admitOp<P>(bytes: Uint8Array, log: OpLog<P>, rules: IngestRules<P>, now: number): Admitted<P> {
  const checked: { op?: Op<P> } = {}
  openEnvelope(bytes, {
    limits: { maxEnvelopeBytes: rules.maxEnvelopeBytes },
    cache: rules.verificationCache,
    now,
    beforeSignature: (envelope, key, id) => {
      checked.op = precheck(envelope, id, key, bytes, log, rules, now, true)
    }
  })
  // Set by beforeSignature, which openEnvelope runs before accepting any envelope.
  const op = checked.op!
  const verdict = judge(op, rules, now)
  if (verdict.status === 'reject') throw new FrpStateError('TRUST_REJECTED', `${verdict.code}: ${verdict.reason}`)
  return { op, verdict }
}

/** The trust policy's verdict on `op`. */
export function judge<P>(op: Op<P>, rules: IngestRules<P>, now: number): TrustVerdict {
  return rules.trust.evaluate({ id: op.key, author: op.author, kind: rules.kind, timestamp: op.wall, domain: rules.domain }, now)
}

/**
 * Checks op bytes read back from this node's own store: everything but the
 * signature (checked when the op first arrived) and the horizon (a stored op
 * is folded away by the next compaction instead); the op must still hash to
 * the id it was stored under, so a corrupted record is refused.
 */
export function admitStoredOp<P>(bytes: Uint8Array, storedId: Uint8Array, log: OpLog<P>, rules: IngestRules<P>, now: number): Op<P> {
  const envelope = decodeEnvelope(bytes, { maxEnvelopeBytes: rules.maxEnvelopeBytes })
  const id = envelopeHash(envelope)
  const key = bytesToHex(id)
  if (!sameBytes(id, storedId)) throw new FrpStateError('CORRUPT_STORE', `stored op ${key.slice(0, 16)}… is not the op of the id it was stored under`)
  return precheck(envelope, id, key, bytes, log, rules, now, false)
}

/** `id` is the envelope hash as bytes, `key` the same in hex: both are kept, so neither is converted back from the other. */
function precheck<P>(
  envelope: Envelope,
  id: Uint8Array,
  key: string,
  bytes: Uint8Array,
  log: OpLog<P>,
  rules: IngestRules<P>,
  now: number,
  fresh: boolean
): Op<P> {
  if (envelope.kind !== rules.kind) throw new WireError('UNKNOWN_KIND', `expected an op of kind ${rules.kind}, got ${JSON.stringify(envelope.kind)}`)
  if (log.get(key) !== undefined) throw new Duplicate(key)
  const wall = envelope.timestamp
  if (fresh && wall > now + rules.maxFuture) throw new FrpStateError('FROM_FUTURE', `op at ${wall} is ${wall - Math.floor(now)} ms ahead of this clock`)
  if ((fresh && wall < now - rules.horizon) || wall < log.floor) {
    throw new FrpStateError('BEYOND_HORIZON', `op at ${wall} is older than the lateness horizon of ${rules.horizon} ms`)
  }
  if (envelope.seq > MAX_HLC_COUNTER) throw new FrpStateError('BAD_MESSAGE', `HLC counter ${envelope.seq} is above ${MAX_HLC_COUNTER}`)
  if (envelope.payload.length > rules.maxPayloadBytes) {
    throw new FrpStateError('BAD_PAYLOAD', `op payload of ${envelope.payload.length} bytes; at most ${rules.maxPayloadBytes}`)
  }
  let payload: P
  try {
    payload = rules.codec.decode(envelope.payload)
  } catch (error) {
    if (error instanceof FrpStateError) throw error
    throw new FrpStateError('BAD_PAYLOAD', 'the application codec refused the op payload', { cause: error })
  }
  // Copies: the decoded fields are views into bytes the caller may reuse.
  return { wall, counter: envelope.seq, author: envelope.author.slice(), id, key, payload, envelope: bytes.slice() }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
