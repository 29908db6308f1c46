import { asPlainBytes } from '@dscs/interface'
import { openEnvelope, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, decodeBounded, decodePayload, definePayloadKind, encodeEnvelope, encodePayload, longToSafeInteger, type PayloadCodec } from '@dscs/wire'
import { dscs } from '../gen/chunk-distribution.js'
import { KIND_PREFIX, MAX_MANIFEST_PAYLOAD_BYTES, MAX_MANIFEST_RECORD_BYTES, MAX_MIME_LENGTH, MAX_NAME_LENGTH } from './constants.js'
import { checkContentId, checkHeader, contentIdOf, type ContentHeader, type ContentId } from './content-id.js'
import { ChunkError } from './errors.js'

const pb = dscs.chunk_distribution.v1

/** What a manifest says about content beyond what its id commits to. */
export interface ManifestMetadata {
  /** A file name for people, at most 255 UTF-16 code units. */
  readonly name?: string
  /** A media type, at most 127 UTF-16 code units. */
  readonly mime?: string
}

/** The fields of a Manifest message: the header and the metadata. */
export type ManifestFields = ContentHeader & ManifestMetadata

/**
 * Describes content: the header its id commits to (size, chunk size, root),
 * optional metadata, and, when signed, the publisher's key and the signed
 * envelope that peers pass on. Every manifest this package hands out matches
 * its `cid`.
 */
export interface Manifest extends ManifestFields {
  readonly cid: ContentId
  /** The publisher's Ed25519 public key, when signed. */
  readonly publisher?: Uint8Array
  /** The encoded envelope of kind `dscs.chunk-distribution.Manifest` that the publisher signed, when signed. */
  readonly envelope?: Uint8Array
}

/** Who signs a manifest, and when (a DSCS envelope's timestamp, milliseconds). */
export interface ManifestSigner {
  readonly identity: Identity
  readonly timestamp: number
}

/** Refuses a name or media type beyond its limit; the header is checked by {@link checkHeader}. */
function checkFields(fields: ManifestFields): void {
  checkHeader(fields)
  if ((fields.name?.length ?? 0) > MAX_NAME_LENGTH) throw new ChunkError('BAD_MANIFEST', `a name of ${fields.name?.length} characters; at most ${MAX_NAME_LENGTH}`)
  if ((fields.mime?.length ?? 0) > MAX_MIME_LENGTH) throw new ChunkError('BAD_MANIFEST', `a media type of ${fields.mime?.length} characters; at most ${MAX_MIME_LENGTH}`)
}

/** A decoded Manifest message as fields: 64-bit size as a safe integer, empty strings as absent. */
function fieldsOf(message: dscs.chunk_distribution.v1.Manifest.$Properties): ManifestFields {
  const fields: ManifestFields = {
    size: longToSafeInteger(message.size ?? 0, 'manifest size'),
    chunkSize: message.chunkSize ?? 0,
    root: message.root ? asPlainBytes(message.root) : new Uint8Array(0),
    ...(message.name ? { name: message.name } : {}),
    ...(message.mime ? { mime: message.mime } : {})
  }
  checkFields(fields)
  return fields
}

const manifestCodec: PayloadCodec<ManifestFields> = {
  encode: (fields) => pb.Manifest.encode({ size: fields.size, chunkSize: fields.chunkSize, root: fields.root, name: fields.name ?? '', mime: fields.mime ?? '' }).finish(),
  decode: (bytes) => fieldsOf(pb.Manifest.decode(bytes))
}

/** The payload kind of a signed manifest's envelope. */
export const ManifestPayload = definePayloadKind<ManifestFields>(`${KIND_PREFIX}Manifest`, manifestCodec, { maxBytes: MAX_MANIFEST_PAYLOAD_BYTES, maxRepeated: 1 })

/** A manifest for `header` with `metadata`, signed when a `signer` is given. */
export function createManifest(header: ContentHeader, metadata: ManifestMetadata = {}, signer?: ManifestSigner): Manifest {
  // An empty name or media type is absent, as on the wire.
  const fields: ManifestFields = {
    size: header.size,
    chunkSize: header.chunkSize,
    root: header.root,
    ...(metadata.name ? { name: metadata.name } : {}),
    ...(metadata.mime ? { mime: metadata.mime } : {})
  }
  checkFields(fields)
  const cid = contentIdOf(fields)
  if (signer === undefined) return { ...fields, cid }
  const unsigned = createEnvelope({ kind: ManifestPayload.name, payload: encodePayload(ManifestPayload, fields), author: signer.identity.publicKey, timestamp: signer.timestamp })
  return { ...fields, cid, publisher: signer.identity.publicKey, envelope: encodeEnvelope(signEnvelope(signer.identity, unsigned)) }
}

/** The ManifestRecord bytes of `manifest`: its signed envelope, or the bare fields. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  if (manifest.envelope !== undefined) return pb.ManifestRecord.encode({ envelope: manifest.envelope }).finish()
  const { size, chunkSize, root, name, mime } = manifest
  return pb.ManifestRecord.encode({ manifest: { size, chunkSize, root, name: name ?? '', mime: mime ?? '' } }).finish()
}

export interface DecodeManifestOptions {
  /** The content id the manifest must describe; another gives `CID_MISMATCH`. */
  readonly expected?: ContentId
  /** The node's signature verdicts, so a manifest signature relayed by many peers is verified once. */
  readonly verificationCache?: VerificationCache
}

/**
 * A manifest from untrusted ManifestRecord bytes, cheapest check first: the
 * size limit and a scan of the fields, the decoding, the fields' rules, the
 * publisher's signature when signed, then the content id. Throws `WireError`
 * (size, format, kind), `IdentityError` (`BAD_SIGNATURE`) or
 * {@link ChunkError} (`BAD_MANIFEST`, `BAD_SIZE`, `BAD_CHUNK_SIZE`,
 * `CID_MISMATCH`), and nothing else.
 */
export function decodeManifest(bytes: Uint8Array, options: DecodeManifestOptions = {}): Manifest {
  const record = decodeBounded(bytes, 'ManifestRecord', MAX_MANIFEST_RECORD_BYTES, { maxOccurrences: 1 }, (plain) => pb.ManifestRecord.decode(plain))
  let manifest: Manifest
  if (record.form === 'envelope' && record.envelope) {
    const cache = options.verificationCache
    const { envelope } = openEnvelope(record.envelope, { limits: { maxEnvelopeBytes: MAX_MANIFEST_RECORD_BYTES }, ...(cache ? { cache } : {}) })
    const fields = decodePayload(envelope, ManifestPayload)
    manifest = { ...fields, cid: contentIdOf(fields), publisher: envelope.author, envelope: record.envelope }
  } else if (record.form === 'manifest' && record.manifest) {
    const fields = fieldsOf(record.manifest)
    manifest = { ...fields, cid: contentIdOf(fields) }
  } else {
    throw new ChunkError('BAD_MANIFEST', 'a manifest record with neither a manifest nor an envelope')
  }
  if (options.expected !== undefined) checkContentId(options.expected, manifest)
  return manifest
}
