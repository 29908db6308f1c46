import { openEnvelope, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, decodePayload, definePayloadKind, encodeEnvelope, encodePayload, type PayloadCodec } from '@dscs/wire'
import { dscs } from '../gen/chunk-distribution.js'
import { KIND_PREFIX, MAX_ADDRESS_LENGTH, MAX_ANNOUNCED_ADDRESSES, MAX_ANNOUNCEMENT_BYTES, MAX_ANNOUNCEMENT_PAYLOAD_BYTES } from './constants.js'
import { parseContentId, type ContentId } from './content-id.js'
import { ChunkError } from './errors.js'

const pb = dscs.chunk_distribution.v1

/** "I hold `held` of the `chunks` chunks of `cid`", as a node tells the swarm. */
export interface Announcement {
  readonly cid: ContentId
  readonly held: number
  /** 0 while the announcer has not learned the manifest. */
  readonly chunks: number
  /** The announcer is downloading and looks for holders. */
  readonly seeking: boolean
  /** Multiaddrs where the announcer listens. */
  readonly addresses: readonly string[]
}

/** An announcement received, with the key that signed it: the announcing node's. */
export interface ReceivedAnnouncement extends Announcement {
  readonly author: Uint8Array
}

/** A multiaddr in text form: a slash, then printable ASCII. */
const ADDRESS = /^\/[\x21-\x7e]*$/

function checkAnnouncement(announcement: Announcement): void {
  const { held, chunks, addresses } = announcement
  if (held > chunks) throw new ChunkError('BAD_ANNOUNCEMENT', `${held} chunks held of ${chunks}`)
  if (addresses.length > MAX_ANNOUNCED_ADDRESSES) throw new ChunkError('BAD_ANNOUNCEMENT', `${addresses.length} addresses; at most ${MAX_ANNOUNCED_ADDRESSES}`)
  for (const address of addresses) {
    if (address.length > MAX_ADDRESS_LENGTH || !ADDRESS.test(address)) throw new ChunkError('BAD_ANNOUNCEMENT', `an address of ${address.length} characters that is no multiaddr`)
  }
}

const announcementCodec: PayloadCodec<Announcement> = {
  encode: ({ cid, held, chunks, seeking, addresses }) => pb.Announcement.encode({ content: cid.bytes, held, chunks, seeking, addresses: [...addresses] }).finish(),
  decode: (bytes) => {
    const message = pb.Announcement.decode(bytes)
    const announcement: Announcement = {
      cid: parseContentId(message.content),
      held: message.held,
      chunks: message.chunks,
      seeking: message.seeking,
      addresses: message.addresses
    }
    checkAnnouncement(announcement)
    return announcement
  }
}

/** The payload kind of an announcement's envelope. */
export const AnnouncementPayload = definePayloadKind<Announcement>(`${KIND_PREFIX}Announcement`, announcementCodec, {
  maxBytes: MAX_ANNOUNCEMENT_PAYLOAD_BYTES,
  maxRepeated: MAX_ANNOUNCED_ADDRESSES
})

/** The envelope bytes of `announcement`, signed by `identity` at `timestamp`. */
export function createAnnouncement(identity: Identity, announcement: Announcement, timestamp: number): Uint8Array {
  checkAnnouncement(announcement)
  const unsigned = createEnvelope({ kind: AnnouncementPayload.name, payload: encodePayload(AnnouncementPayload, announcement), author: identity.publicKey, timestamp })
  return encodeEnvelope(signEnvelope(identity, unsigned), { maxEnvelopeBytes: MAX_ANNOUNCEMENT_BYTES })
}

/**
 * An announcement from untrusted envelope bytes, cheapest check first: the
 * size limit, the envelope, its signature (a cached verdict when the node's
 * Net verified it already), the kind, then the payload's rules. Throws
 * `WireError`, `IdentityError` or {@link ChunkError} (`BAD_CONTENT_ID`,
 * `BAD_ANNOUNCEMENT`). The replay window is the Net's.
 */
export function openAnnouncement(bytes: Uint8Array, verificationCache?: VerificationCache): ReceivedAnnouncement {
  const { envelope } = openEnvelope(bytes, { limits: { maxEnvelopeBytes: MAX_ANNOUNCEMENT_BYTES }, ...(verificationCache === undefined ? {} : { cache: verificationCache }) })
  return { ...decodePayload(envelope, AnnouncementPayload), author: envelope.author }
}
