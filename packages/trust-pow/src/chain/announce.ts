import { isDscsError } from '@dscs/interface'
import { signEnvelope, type Identity } from '@dscs/identity'
import { createEnvelope, decodeEnvelope, encodeEnvelope } from '@dscs/wire'
import { ChainError } from './errors.js'

/** Gossip carries blocks and transactions inside envelopes of these kinds, signed by the announcing node. */
export const BLOCK_KIND = 'dscs.trust-pow.chain.Block'
export const TX_KIND = 'dscs.trust-pow.chain.Tx'

/** What an announcement envelope adds around its payload, at most. */
export const ANNOUNCEMENT_OVERHEAD_BYTES = 4_096

/**
 * Wraps a block or a transaction for a gossip topic: DSCS topics carry signed
 * envelopes only (the network layer opens each one, refusing replays), and a
 * transaction's own envelope may already travel on another topic (an
 * frp-state op does), so it travels here inside a fresh one.
 */
export function sealAnnouncement(identity: Identity, kind: string, payload: Uint8Array, now: number): Uint8Array {
  const envelope = createEnvelope({ kind, payload, author: identity.publicKey, timestamp: Math.floor(now) })
  return encodeEnvelope(signEnvelope(identity, envelope), { maxEnvelopeBytes: payload.length + ANNOUNCEMENT_OVERHEAD_BYTES })
}

/**
 * The payload of an announcement of `kind`. Its signature is the network
 * layer's to check (libp2p's Net opens every topic envelope): the chain trusts
 * a block for its work and a transaction for its own signature, never for who
 * relayed it.
 */
export function openAnnouncement(bytes: Uint8Array, kind: string, maxPayloadBytes: number): Uint8Array {
  try {
    const envelope = decodeEnvelope(bytes, { maxEnvelopeBytes: maxPayloadBytes + ANNOUNCEMENT_OVERHEAD_BYTES })
    if (envelope.kind !== kind) throw new ChainError('MALFORMED', `expected a ${kind} announcement, not ${envelope.kind}`)
    return envelope.payload
  } catch (err) {
    if (!isDscsError(err) || err instanceof ChainError) throw err
    throw new ChainError(err.code === 'TOO_LARGE' ? 'TOO_LARGE' : 'MALFORMED', `an announcement does not decode: ${err.message}`, { cause: err })
  }
}
