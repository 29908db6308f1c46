import { ObserverCore, encodeObserverMessage } from '@dscs/trust-observer'
import { identityFromSeed, signEnvelope, VerificationCache } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, decodeEnvelope, signingBytes, hashSigned } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { Session } from 'node:inspector/promises'
const N = 40000
const authors = Array.from({ length: 64 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
const now = Date.now()
const envs = Array.from({ length: N }, (_, i) => { const a = authors[i % 64]!; return encodeEnvelope(signEnvelope(a, createEnvelope({ kind: 'bench.Op', payload: new Uint8Array(64).fill(i & 255), author: a.publicKey, timestamp: now, seq: i }))) })
const msgs = envs.map((envelope, i) => encodeObserverMessage({ type: 'submit', request: i, envelope }))
const cache = new VerificationCache(N + 1)
for (const e of envs) { const d = decodeEnvelope(e); cache.set(bytesToHex(hashSigned(signingBytes(d), d.signature)), true) }
const mk = () => new ObserverCore({ identity: authors[0]!, state: { size: 0, root: new Uint8Array(32) }, verificationCache: cache, maxQueue: N, maxRecent: N, maxBatch: N, maxClockSkew: 3600000 })
for (let r = 0; r < 2; r++) { const core = mk(); const c = process.cpuUsage(); for (let i = 0; i < N; i++) core.receive(String(i), msgs[i]!, now); const u = process.cpuUsage(c); console.log('admit µs', ((u.user + u.system) / N).toFixed(2)) }
const session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start')
const core = mk(); for (let i = 0; i < N; i++) core.receive(String(i), msgs[i]!, now)
const { profile } = await session.post('Profiler.stop')
const self = new Map(); const byId = new Map(profile.nodes.map((n: any) => [n.id, n])); const counts = new Map()
profile.samples.forEach((s: number, i: number) => counts.set(s, (counts.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0)))
for (const [id, t] of counts) { const n: any = byId.get(id); const k = n.callFrame.functionName + ' ' + n.callFrame.url.split('/').slice(-2).join('/') + ':' + n.callFrame.lineNumber; self.set(k, (self.get(k) ?? 0) + t) }
const tot = [...self.values()].reduce((a: number, b: number) => a + b, 0)
console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, t]) => (t / tot * 100).toFixed(1) + '% ' + k).join('\n'))
