import { identityFromSeed, signEnvelope, VerificationCache } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, decodeEnvelope, signingBytes, hashSigned } from '@dscs/wire'
import { decodeObserverMessage, encodeObserverMessage } from '@dscs/trust-observer'
import { bytesToHex } from '@noble/hashes/utils.js'
import { hash } from 'node:crypto'
const a = identityFromSeed(new Uint8Array(32).fill(1))
const N = 20000
const envs = Array.from({ length: N }, (_, i) => encodeEnvelope(signEnvelope(a, createEnvelope({ kind: 'bench.Op', payload: new Uint8Array(64).fill(i & 255), author: a.publicKey, timestamp: Date.now(), seq: i }))))
const msgs = envs.map((envelope, i) => encodeObserverMessage({ type: 'submit', request: i, envelope }))
const dec = envs.map((e) => decodeEnvelope(e))
const sb = dec.map((d) => signingBytes(d))
const t = (name: string, f: (i: number) => unknown) => { for (let i = 0; i < 2000; i++) f(i); const c = process.cpuUsage(); for (let i = 0; i < N; i++) f(i); const u = process.cpuUsage(c); console.log(name.padEnd(30), ((u.user + u.system) / N).toFixed(2), 'µs') }
const limits = { maxMessageBytes: 1 << 20, maxEntryBytes: 65536, maxRangeEntries: 256 }
for (let r = 0; r < 2; r++) {
t('decodeObserverMessage', (i) => decodeObserverMessage(msgs[i]!, limits))
t('decodeEnvelope', (i) => decodeEnvelope(envs[i]!, { maxEnvelopeBytes: 65536 }))
t('signingBytes', (i) => signingBytes(dec[i]!))
t('hashSigned (noble)', (i) => hashSigned(sb[i]!, dec[i]!.signature))
t('node hash', (i) => hash('sha256', sb[i]!, 'buffer'))
t('bytesToHex', (i) => bytesToHex(sb[i]!.subarray(0, 32)))
t('slice', (i) => envs[i]!.slice())
}
import { scanMessage } from '@dscs/wire'
import { dscs } from '../dist/gen/trust-observer.js'
const rules = { maxOccurrences: 1, nested: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [i + 1, { maxOccurrences: 256 }])) }
for (let r = 0; r < 2; r++) {
t('scan', (i) => scanMessage(msgs[i]!, rules))
t('pb decode', (i) => dscs.trust_observer.v1.ObserverMessage.decode(msgs[i]!))
t('decodeObserverMessage', (i) => decodeObserverMessage(msgs[i]!, limits))
}
