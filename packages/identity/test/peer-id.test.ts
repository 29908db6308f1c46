import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { generateIdentity, libp2pPrivateKey, peerIdFromIdentity, publicKeyOfPeer, sign } from '../src/index.js'
import { errorCode } from './helpers.js'

describe('libp2p interop', () => {
  it('the identity key is the libp2p key: same PeerId, same signatures', async () => {
    const identity = generateIdentity()
    const libp2pKey = await generateKeyPairFromSeed('Ed25519', identity.secretKey)
    expect(peerIdFromIdentity(identity).toString()).toBe(peerIdFromPrivateKey(libp2pKey).toString())
    expect(peerIdFromPrivateKey(libp2pPrivateKey(identity)).equals(peerIdFromIdentity(identity))).toBe(true)
    const message = new TextEncoder().encode('one key')
    expect(new Uint8Array(await libp2pKey.sign(message))).toEqual(sign(identity.secretKey, message))
  })

  it('recovers the public key from a PeerId string, and refuses what is not one', async () => {
    const identity = generateIdentity()
    expect(publicKeyOfPeer(peerIdFromIdentity(identity).toString())).toEqual(identity.publicKey)
    expect(await errorCode(() => publicKeyOfPeer('not-a-peer'))).toBe('INVALID_KEY')
  })
})
