import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelStore } from '@dscs/store'
import { ObserverCore, StoreMerkleLog, EntryIndex, encodeObserverMessage } from '@dscs/trust-observer'
import { identityFromSeed, signEnvelope, VerificationCache } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, decodeEnvelope, signingBytes, hashSigned } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
const N = 20000
const authors = Array.from({ length: 64 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
const now = Date.now()
const envs = Array.from({ length: N }, (_, i) => { const a = authors[i % 64]!; return encodeEnvelope(signEnvelope(a, createEnvelope({ kind: 'bench.Op', payload: new Uint8Array(64).fill(i & 255), author: a.publicKey, timestamp: now, seq: i }))) })
const msgs = envs.map((envelope, i) => encodeObserverMessage({ type: 'submit', request: i, envelope }))
const cache = new VerificationCache(N + 1)
for (const e of envs) { const d = decodeEnvelope(e); cache.set(bytesToHex(hashSigned(signingBytes(d), d.signature)), true) }
const cpu = (f: () => unknown) => { const c = process.cpuUsage(); const r = f(); const u = process.cpuUsage(c); return [r, (u.user + u.system) / N] as const }
const acpu = async (f: () => Promise<unknown>) => { const c = process.cpuUsage(); const t = performance.now(); const r = await f(); const u = process.cpuUsage(c); return [r, (u.user + u.system) / N, (performance.now() - t) * 1000 / N] as const }
for (let round = 0; round < 3; round++) {
  const store = await LevelStore.open(await mkdtemp(join(tmpdir(), 'probe-')))
  const log = await StoreMerkleLog.open(store)
  const core = new ObserverCore({ identity: authors[0]!, state: { size: 0, root: await log.root() }, verificationCache: cache, maxQueue: N, maxRecent: N, maxBatch: N, maxClockSkew: 3600000 })
  const [, admit] = cpu(() => { for (let i = 0; i < N; i++) core.receive(String(i), msgs[i]!, now) })
  const [fx] = cpu(() => core.tick(now + 1000))
  const batch = (fx as any[]).find((e) => e.type === 'emit' && e.event.type === 'append').event.batch
  const chunks = []; for (let i = 0; i < N; i += 5000) chunks.push(batch.entries.slice(i, i + 5000))
  const [state, appendCpu, appendWall] = await acpu(async () => { let s; for (const c of chunks) s = await log.append(c); return s })
  const [effects, commitCpu] = cpu(() => core.committed(batch, state as any, now + 1000))
  const index = await EntryIndex.open(store, 'x/', log)
  const ids = (effects as any[]).find((e) => e.type === 'emit' && e.event.type === 'committed').event.ids
  const [, indexCpu, indexWall] = await acpu(async () => { for (let i = 0; i < N; i += 5000) await index.add(i, ids.slice(i, i + 5000)) })
  console.log(`per entry µs: admit ${admit.toFixed(1)} · append cpu ${appendCpu.toFixed(1)} (wall ${appendWall.toFixed(1)}) · commit+receipts ${commitCpu.toFixed(1)} · index cpu ${indexCpu.toFixed(1)} (wall ${indexWall.toFixed(1)})`)
  await store.close()
}
