import { decodeEnvelope, hashSigned, signingBytes, type WireLimits } from '@dscs/wire'
import { gossipsub, type GossipsubOpts } from '@libp2p/gossipsub'
import type { Message } from '@libp2p/gossipsub'
import { sha256 } from '@noble/hashes/sha2.js'

const INVALID_DOMAIN = new TextEncoder().encode('DSCS/undecodable\0')
const STAMPED_DOMAIN = new TextEncoder().encode('DSCS/stamped\0')

/**
 * A gossip message's id: the hash of the envelope it carries, so an envelope
 * relayed with extra unknown fields is still one message. On a topic whose
 * admission checks read the stamp (`stamped(topic)`), the stamp is part of
 * the id: a copy a relay stripped of its stamp is another message, refused on
 * its own, and does not shadow the genuine one in gossipsub's seen cache.
 * Bytes that are no envelope get a hash in a separate domain, so the
 * validator sees them once and rejects them.
 */
export function gossipMessageId(message: Message, limits: Partial<WireLimits>, stamped: (topic: string) => boolean = () => false): Uint8Array {
  try {
    const envelope = decodeEnvelope(message.data, limits)
    const id = hashSigned(signingBytes(envelope), envelope.signature)
    if (envelope.stamp === undefined || !stamped(message.topic)) return id
    return sha256.create().update(STAMPED_DOMAIN).update(id).update(envelope.stamp).digest()
  } catch {
    return sha256.create().update(INVALID_DOMAIN).update(message.data).digest()
  }
}

/**
 * gossipsub configured for DSCS: no gossipsub signatures (every envelope is
 * already signed by its author: one signature per message, not two), message
 * ids from envelope hashes, and publishing allowed before any peer subscribes.
 */
export function dscsGossipsub(
  limits: Partial<WireLimits>,
  overrides: Partial<GossipsubOpts> = {},
  stamped?: (topic: string) => boolean
): ReturnType<typeof gossipsub> {
  return gossipsub({
    globalSignaturePolicy: 'StrictNoSign',
    msgIdFn: (message) => gossipMessageId(message, limits, stamped),
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    ...overrides
  })
}
