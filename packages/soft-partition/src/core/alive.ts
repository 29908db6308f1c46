import { sign, verify, type Identity } from '@dscs/identity'
import { ALIVE_DOMAIN } from './constants.js'
import { UPDATE_STATES, type UpdatePayload } from './messages.js'

const encoder = new TextEncoder()

// Domain, member id, key and incarnation, each length-prefixed where variable, so no two updates sign the same bytes.
function aliveMessage(member: string, publicKey: Uint8Array, incarnation: number): Uint8Array {
  const domain = encoder.encode(ALIVE_DOMAIN)
  const id = encoder.encode(member)
  const bytes = new Uint8Array(domain.length + 2 + id.length + publicKey.length + 4)
  const view = new DataView(bytes.buffer)
  bytes.set(domain, 0)
  view.setUint16(domain.length, id.length)
  bytes.set(id, domain.length + 2)
  bytes.set(publicKey, domain.length + 2 + id.length)
  view.setUint32(bytes.length - 4, incarnation)
  return bytes
}

/** The alive update `identity` signs about itself as `member` at `incarnation`: only the member can make one. */
export function signAlive(identity: Identity, member: string, incarnation: number): UpdatePayload {
  const signature = sign(identity.secretKey, aliveMessage(member, identity.publicKey, incarnation))
  return { member, publicKey: identity.publicKey, incarnation, state: UPDATE_STATES.alive, signature, accuser: '' }
}

/** Whether an alive update carries its member's signature. */
export function isSignedByMember(update: UpdatePayload): boolean {
  return verify(update.publicKey, aliveMessage(update.member, update.publicKey, update.incarnation), update.signature)
}
