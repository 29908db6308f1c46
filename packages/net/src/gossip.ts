import { decodeEnvelope, hashSigned, signingBytes, type WireLimits } from '@dscs/wire'
import { gossipsub, type GossipsubOpts } from '@libp2p/gossipsub'
import type { Message } from '@libp2p/gossipsub'
import { sha256 } from '@noble/hashes/sha2.js'

const INVALID_DOMAIN = new TextEncoder().encode('DSCS/undecodable\0')

/**
 * A gossip message's id: the hash of the envelope it carries, so an envelope
 * relayed with a different stamp or extra unknown fields is still one
 * message. Bytes that are no envelope get a hash in a separate domain, so the
 * validator sees them once and rejects them.
 */
export function gossipMessageId(message: Message, limits: Partial<WireLimits>): Uint8Array {
  try {
    const envelope = decodeEnvelope(message.data, limits)
    return hashSigned(signingBytes(envelope), envelope.signature)
  } catch {
    return sha256.create().update(INVALID_DOMAIN).update(message.data).digest()
  }
}

/**
 * gossipsub configured for DSCS: no gossipsub signatures (every envelope is
 * already signed by its author: one signature per message, not two), message
 * ids from envelope hashes, and publishing allowed before any peer subscribes.
 */
export function dscsGossipsub(limits: Partial<WireLimits>, overrides: Partial<GossipsubOpts> = {}): ReturnType<typeof gossipsub> {
  return gossipsub({
    globalSignaturePolicy: 'StrictNoSign',
    msgIdFn: (message) => gossipMessageId(message, limits),
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    ...overrides
  })
}
