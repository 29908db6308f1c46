/**
 * @packageDocumentation
 *
 * The DSCS wire format. Every message that crosses the network is an
 * {@link Envelope}: a protobuf message (see `proto/envelope.proto`) carrying a
 * payload `kind`, the payload bytes, the author's Ed25519 key, a timestamp, a
 * sequence number, optional parent hashes, the signature and an optional
 * proof-of-work stamp.
 *
 * - {@link encodeEnvelope} / {@link decodeEnvelope}: bytes ⇄ envelope under
 *   {@link WireLimits}; decoding hostile bytes returns a valid envelope or
 *   throws {@link WireError}, never anything else.
 * - {@link signingBytes}: the canonical, domain-separated bytes a signature
 *   covers, independent of protobuf encoding. {@link envelopeHash}: the id.
 * - {@link PayloadRegistry}: packages register payload kinds; envelopes of a
 *   registered kind decode to typed values.
 * - {@link encodeFrames} / {@link decodeFrames}: length-prefixed framing for
 *   libp2p streams, with a maximum frame size.
 *
 * @example
 * ```ts
 * import { createEnvelope, decodeEnvelope, encodeEnvelope, signingBytes } from '@dscs/wire'
 *
 * const unsigned = createEnvelope({
 *   kind: 'demo.Greeting',
 *   payload: new TextEncoder().encode('hello'),
 *   author: publicKey,          // 32-byte Ed25519 public key
 *   timestamp: Date.now()
 * })
 * const signature = sign(secretKey, signingBytes(unsigned))   // e.g. @dscs/identity
 * const bytes = encodeEnvelope({ ...unsigned, signature })
 * const received = decodeEnvelope(bytes)                       // throws WireError on bad input
 * ```
 */
export { WireError } from './errors.js'
export type { WireErrorCode } from './errors.js'
export { DEFAULT_LIMITS, resolveLimits } from './limits.js'
export type { WireLimits } from './limits.js'
export {
  WIRE_VERSION,
  AUTHOR_BYTES,
  SIGNATURE_BYTES,
  HASH_BYTES,
  MAX_STAMP_BYTES,
  createEnvelope,
  checkUnsigned,
  encodeEnvelope,
  decodeEnvelope
} from './envelope.js'
export type { Envelope, UnsignedEnvelope, EnvelopeInit } from './envelope.js'
export { signingBytes, envelopeHash, hashSigned } from './signing.js'
export { CanonicalBytes } from './canonical.js'
export { PayloadRegistry, definePayloadKind, protobufCodec, decodePayload, encodePayload } from './registry.js'
export type { PayloadCodec, PayloadKind, PayloadKindOptions, GeneratedMessage, DecodedPayload } from './registry.js'
export { FrameDecoder, encodeFrame, encodeFrameParts, encodeFrames, encodeVarint, decodeFrames } from './framing.js'
export type { FramingOptions, StreamChunk } from './framing.js'
export { decodeBounded } from './bounded.js'
export { longToSafeInteger } from './protobuf.js'
export { scanMessage } from './scan.js'
export { FieldWriter, varintSize, delimitedSize } from './field-writer.js'
export { allocBytes } from './alloc.js'
export type { ScanRules } from './scan.js'
