// Ed25519 sign and verify: noble and node:crypto, and the API's default path
// in Node (strict checks + cached keys + node:crypto) against raw node:crypto
// verify (the anchor, target ≥ 0.9×). Also openEnvelope with and without the
// verification cache. Run: pnpm --filter @dscs/identity bench
import { BenchSuite } from '@dscs/bench'
import {
  Ed25519Verifier,
  VerificationCache,
  ed25519Backend,
  identityFromSeed,
  nobleEd25519,
  openEnvelope,
  sign,
  signEnvelope,
  verify
} from '@dscs/identity'
import { createEnvelope, encodeEnvelope, signingBytes } from '@dscs/wire'
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto'

// 100 authors, as a node sees traffic from many peers; the same message shape for all.
const identities = Array.from({ length: 100 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
const now = Date.now()
const envelopes = identities.map((identity) =>
  signEnvelope(identity, createEnvelope({ kind: 'dscs.frp.Op', payload: new Uint8Array(256).fill(7), author: identity.publicKey, timestamp: now }))
)
const messages = envelopes.map((e) => signingBytes(e))
const signatures = envelopes.map((e) => e.signature)
const wire = envelopes.map((e) => encodeEnvelope(e).slice())

const spki = (pub: Uint8Array) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' })
const pkcs8 = (sk: Uint8Array) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), sk]), format: 'der', type: 'pkcs8' })
const publicKeyObjects = identities.map((i) => spki(i.publicKey))
const privateKeyObjects = identities.map((i) => pkcs8(i.secretKey))
const noble = new Ed25519Verifier(nobleEd25519)

let i = 0
const next = (): number => (i = (i + 1) % identities.length)
const cache = new VerificationCache()
for (const bytes of wire) openEnvelope(bytes, { cache, now })

console.log(`default backend in Node: ${ed25519Backend().name}`)
const suite = new BenchSuite('@dscs/identity', 'ed25519')
suite.add('noble sign', () => nobleEd25519.sign(identities[next()]!.secretKey, messages[i]!))
suite.add('node:crypto sign (raw KeyObject)', () => nodeSign(null, messages[next()]!, privateKeyObjects[i]!))
suite.add('API sign (default backend)', () => sign(identities[next()]!.secretKey, messages[i]!))
suite.add('noble verify (strict)', () => noble.verify(identities[next()]!.publicKey, messages[i]!, signatures[i]!))
suite.add('node:crypto verify (raw KeyObject)', () => nodeVerify(null, messages[next()]!, publicKeyObjects[i]!, signatures[i]!))
suite.add('API verify (default backend, strict)', () => verify(identities[next()]!.publicKey, messages[i]!, signatures[i]!))
suite.add('openEnvelope, no cache', () => openEnvelope(wire[next()]!, { now }))
suite.add('openEnvelope, verification cache hit', () => openEnvelope(wire[next()]!, { cache, now }))
await suite.run()
suite.compare('API verify vs native verify', 'API verify (default backend, strict)', 'node:crypto verify (raw KeyObject)', { atLeast: 0.9 })
suite.compare('native vs noble verify', 'node:crypto verify (raw KeyObject)', 'noble verify (strict)')
suite.compare('native vs noble sign', 'node:crypto sign (raw KeyObject)', 'noble sign')
suite.compare('openEnvelope cache hit vs miss', 'openEnvelope, verification cache hit', 'openEnvelope, no cache')
await suite.save(new URL('./results/', import.meta.url))
