import { sign, verify, type Identity } from '@dscs/identity'
import { ALIVE_DOMAIN, SUSPECT_DOMAIN } from './constants.js'
import { UPDATE_STATES, type UpdatePayload } from './messages.js'

const encoder = new TextEncoder()

// Domain, member id, key and incarnation (and a suspicion's accuser), each length-prefixed where variable, so no two
// updates sign the same bytes and an alive signature is never a suspicion's.
function updateMessage(domain: string, member: string, publicKey: Uint8Array, incarnation: number, accuser?: string): Uint8Array {
  const head = encoder.encode(domain)
  const id = encoder.encode(member)
  const by = encoder.encode(accuser ?? '')
  const tail = accuser === undefined ? 0 : 2 + by.length
  const bytes = new Uint8Array(head.length + 2 + id.length + publicKey.length + 4 + tail)
  const view = new DataView(bytes.buffer)
  let at = 0
  bytes.set(head, at)
  view.setUint16((at += head.length), id.length)
  bytes.set(id, (at += 2))
  bytes.set(publicKey, (at += id.length))
  view.setUint32((at += publicKey.length), incarnation)
  if (accuser === undefined) return bytes
  view.setUint16((at += 4), by.length)
  bytes.set(by, at + 2)
  return bytes
}

/** The alive update `identity` signs about itself as `member` at `incarnation`: only the member can make one. */
export function signAlive(identity: Identity, member: string, incarnation: number): UpdatePayload {
  const signature = sign(identity.secretKey, updateMessage(ALIVE_DOMAIN, member, identity.publicKey, incarnation))
  return { member, publicKey: identity.publicKey, incarnation, state: UPDATE_STATES.alive, signature, accuser: '' }
}

/** Whether an alive update carries its member's signature. */
export function isSignedByMember(update: UpdatePayload): boolean {
  return verify(update.publicKey, updateMessage(ALIVE_DOMAIN, update.member, update.publicKey, update.incarnation), update.signature)
}

/**
 * The suspicion `identity`, as member `accuser`, signs after its own probe of `member` failed: a suspicion counts
 * only for the accuser who signed it, so no relay can invent independent accusers.
 */
export function signSuspicion(identity: Identity, accuser: string, member: string, publicKey: Uint8Array, incarnation: number): UpdatePayload {
  const signature = sign(identity.secretKey, updateMessage(SUSPECT_DOMAIN, member, publicKey, incarnation, accuser))
  return { member, publicKey, incarnation, state: UPDATE_STATES.suspect, signature, accuser }
}

/** Whether a suspicion carries the signature of its accuser, whose key is `accuserKey`. */
export function isSignedByAccuser(update: UpdatePayload, accuserKey: Uint8Array): boolean {
  return verify(accuserKey, updateMessage(SUSPECT_DOMAIN, update.member, update.publicKey, update.incarnation, update.accuser), update.signature)
}
