import { compareBytes } from '@dscs/interface'
import { definePayloadKind, longToSafeInteger, type PayloadCodec } from '@dscs/wire'
import { dscs } from '../gen/trust-wot.js'
import {
  KEY_BYTES,
  KIND_PREFIX,
  MAX_ATTESTATION_BYTES,
  MAX_ATTESTED_OPS,
  MAX_LETTER_BODY_BYTES,
  MAX_ROUTED_BYTES,
  ROUTE_ID_BYTES,
  MAX_LEVEL,
  MAX_RECORDS_MESSAGE_BYTES,
  MAX_RECORDS_PER_MESSAGE,
  MAX_RECORD_PAYLOAD_BYTES,
  MAX_ROOT_BYTES,
  SCOPE_PATTERN
} from './constants.js'
import { TrustWotError } from './errors.js'

const v1 = dscs.trust_wot.v1

/** The payload of a trust statement; its truster and time are its envelope's author and timestamp. */
export interface StatementPayload {
  /** The trustee's Ed25519 public key. */
  readonly trustee: Uint8Array
  /** 1-100. */
  readonly level: number
  /** '' for every scope. */
  readonly scope: string
  /** Milliseconds since the epoch. */
  readonly expires: number
}

/** The payload of a revocation: the author withdraws its trust in `trustee` for `scope`. */
export interface RevocationPayload {
  readonly trustee: Uint8Array
  readonly scope: string
}

/** The payload of an attestation; its observer is the envelope's author. */
export interface AttestationPayload {
  readonly domain: string
  /** 1-64 bytes. */
  readonly stateRoot: Uint8Array
  readonly version: number
  /** The state as of this time, ms since the epoch. */
  readonly time: number
  /** Op ids (32 bytes each), ascending, for op-set checkpoints; empty otherwise. */
  readonly ops: readonly Uint8Array[]
}

/** The payload of a Routed message. */
export interface RoutedPayload {
  readonly to: Uint8Array
  readonly box: Uint8Array
  readonly hops: number
  readonly id: Uint8Array
}

/** The payload of a Letter: what a sender says to a recipient. */
export interface LetterPayload {
  readonly to: Uint8Array
  readonly body: Uint8Array
}

/** The payload of a Records message: encoded record envelopes. */
export interface RecordsPayload {
  readonly records: readonly Uint8Array[]
}

function checkTrustee(trustee: Uint8Array): void {
  if (trustee.length !== KEY_BYTES) throw new TrustWotError('BAD_RECORD', `a trustee key is ${KEY_BYTES} bytes, not ${trustee.length}`)
}

/** Throws BAD_RECORD unless `scope` is '' or a well-formed scope. */
export function checkScope(scope: string): void {
  if (scope !== '' && !SCOPE_PATTERN.test(scope)) throw new TrustWotError('BAD_RECORD', `scope ${JSON.stringify(scope.slice(0, 80))} is not 1-64 characters of [a-z0-9._/-]`)
}

/** Throws BAD_RECORD unless `level` is an integer from 1 to 100. */
export function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 1 || level > MAX_LEVEL) throw new TrustWotError('BAD_RECORD', `a trust level is 1-${MAX_LEVEL}, not ${level}`)
}

const statementCodec: PayloadCodec<StatementPayload> = {
  encode: (value) => v1.TrustStatement.encode({ trustee: value.trustee, level: value.level, scope: value.scope, expires: value.expires }).finish(),
  decode: (bytes) => {
    const m = v1.TrustStatement.decode(bytes)
    return { trustee: m.trustee, level: m.level, scope: m.scope, expires: longToSafeInteger(m.expires, 'expires') }
  }
}

const revocationCodec: PayloadCodec<RevocationPayload> = {
  encode: (value) => v1.TrustRevocation.encode({ trustee: value.trustee, scope: value.scope }).finish(),
  decode: (bytes) => {
    const m = v1.TrustRevocation.decode(bytes)
    return { trustee: m.trustee, scope: m.scope }
  }
}

// Each field occurs once; the scan refuses a payload that repeats one to inflate the decode.
const once = { maxBytes: MAX_RECORD_PAYLOAD_BYTES, maxRepeated: 1 }

/** The `TrustStatement` payload kind. */
export const StatementPayloadKind = definePayloadKind<StatementPayload>(`${KIND_PREFIX}TrustStatement`, statementCodec, {
  ...once,
  validate: (value) => {
    checkTrustee(value.trustee)
    checkLevel(value.level)
    checkScope(value.scope)
  }
})

/** The `TrustRevocation` payload kind. */
export const RevocationPayloadKind = definePayloadKind<RevocationPayload>(`${KIND_PREFIX}TrustRevocation`, revocationCodec, {
  ...once,
  validate: (value) => {
    checkTrustee(value.trustee)
    checkScope(value.scope)
  }
})

/** The `Records` payload kind: at most 512 records, each at most 512 bytes. */
export const RecordsPayloadKind = definePayloadKind<RecordsPayload>(
  `${KIND_PREFIX}Records`,
  {
    encode: (value) => v1.Records.encode({ records: [...value.records] }).finish(),
    decode: (bytes) => ({ records: v1.Records.decode(bytes).records })
  },
  { maxBytes: MAX_RECORDS_MESSAGE_BYTES, maxRepeated: MAX_RECORDS_PER_MESSAGE }
)

/** Throws BAD_RECORD unless `domain` is a well-formed domain name (a non-empty scope). */
export function checkDomain(domain: string): void {
  if (domain === '') throw new TrustWotError('BAD_RECORD', 'an attestation names its domain')
  checkScope(domain)
}

function checkAttestation(value: AttestationPayload): void {
  checkDomain(value.domain)
  if (value.stateRoot.length === 0 || value.stateRoot.length > MAX_ROOT_BYTES) throw new TrustWotError('BAD_RECORD', `a state root is 1-${MAX_ROOT_BYTES} bytes`)
  if (value.ops.length > MAX_ATTESTED_OPS) throw new TrustWotError('TOO_LARGE', `an attestation lists at most ${MAX_ATTESTED_OPS} ops`)
  let previous: Uint8Array | undefined
  for (const op of value.ops) {
    if (op.length !== KEY_BYTES) throw new TrustWotError('BAD_RECORD', `an op id is ${KEY_BYTES} bytes`)
    // Ascending, so one op set has one encoding and no id is listed twice.
    if (previous !== undefined && compareBytes(previous, op) >= 0) throw new TrustWotError('BAD_RECORD', 'op ids are listed in ascending order, each once')
    previous = op
  }
}

/** The `Attestation` payload kind. */
export const AttestationPayloadKind = definePayloadKind<AttestationPayload>(
  `${KIND_PREFIX}Attestation`,
  {
    encode: (value) =>
      v1.Attestation.encode({ domain: value.domain, stateRoot: value.stateRoot, version: value.version, time: value.time, ops: [...value.ops] }).finish(),
    decode: (bytes) => {
      const m = v1.Attestation.decode(bytes)
      return { domain: m.domain, stateRoot: m.stateRoot, version: longToSafeInteger(m.version, 'version'), time: longToSafeInteger(m.time, 'time'), ops: m.ops }
    }
  },
  { maxBytes: MAX_ATTESTATION_BYTES - 256, maxRepeated: MAX_ATTESTED_OPS, validate: checkAttestation }
)

/** The `Routed` payload kind. */
export const RoutedPayloadKind = definePayloadKind<RoutedPayload>(
  `${KIND_PREFIX}Routed`,
  {
    encode: (value) => v1.Routed.encode({ to: value.to, box: value.box, hops: value.hops, id: value.id }).finish(),
    decode: (bytes) => {
      const m = v1.Routed.decode(bytes)
      return { to: m.to, box: m.box, hops: m.hops, id: m.id }
    }
  },
  {
    maxBytes: MAX_ROUTED_BYTES - 256,
    maxRepeated: 1,
    validate: (value) => {
      checkTrustee(value.to)
      if (value.id.length !== ROUTE_ID_BYTES) throw new TrustWotError('BAD_RECORD', `a routed message id is ${ROUTE_ID_BYTES} bytes`)
    }
  }
)

/** The `Letter` payload kind. */
export const LetterPayloadKind = definePayloadKind<LetterPayload>(
  `${KIND_PREFIX}Letter`,
  {
    encode: (value) => v1.Letter.encode({ to: value.to, body: value.body }).finish(),
    decode: (bytes) => {
      const m = v1.Letter.decode(bytes)
      return { to: m.to, body: m.body }
    }
  },
  { maxBytes: MAX_LETTER_BODY_BYTES + 64, maxRepeated: 1, validate: (value) => checkTrustee(value.to) }
)
