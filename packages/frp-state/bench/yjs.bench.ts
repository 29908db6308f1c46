// Applying remote Yjs updates through frp-state, against raw Y.applyUpdate of the same updates in the same run:
// 1. the apply path (YDocReplica.applyRemote, as YDocSyncCore runs it after an envelope is opened: checks, apply,
//    the core's local-update watch and a ySource subscriber notified) vs raw Y.applyUpdate to a fresh doc with the
//    same schema (its 'text' a Y.Text, as the author's was); target ≤ 1.25× the cost. Informative beside it: raw
//    Y.applyUpdate to a doc whose text also has a deep observer, the part of the cost any application that watches
//    the text pays, with or without frp-state; and to a doc whose 'text' was never declared: Yjs then integrates
//    the edits into a bare placeholder type, not a Y.Text, about a tenth cheaper (and unreadable as text until
//    declared), so it is not the same work;
// 2. informative: the whole receive path of YUpdate envelopes (YDocSyncCore.receiveTopic), with every Ed25519
//    signature verified, and with the verdicts already in the node's verification cache (as after the Net's topic
//    validator verified them), vs raw Y.applyUpdate.
// The updates: 10,000 small edits (single-character inserts and deletes) of a Y.Text, captured from another doc.
// Run: pnpm --filter @dscs/frp-state bench (after a build)
import { BenchSuite } from '@dscs/bench'
import { VerificationCache, generateIdentity } from '@dscs/identity'
import type { Unsubscribe } from '@dscs/interface'
import { YDocSyncCore, ySource, type YDocReplica } from '@dscs/frp-state'
import * as Y from 'yjs'


const EDITS = 10_000
const SIGNED_EDITS = 1_000
const NOW = Date.now()
const DOC = { domain: 'bench', name: 'text' }

/** 10,000 updates of one author typing and deleting single characters at random places (seeded). */
function capturedUpdates(): Uint8Array[] {
  const author = new Y.Doc()
  const updates: Uint8Array[] = []
  author.on('update', (update: Uint8Array) => updates.push(update))
  const text = author.getText('text')
  let seed = 1
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
    return seed % n
  }
  while (updates.length < EDITS) {
    if (text.length > 10 && random(4) === 0) text.delete(random(text.length), 1)
    else text.insert(random(text.length + 1), 'abcdefghij'[random(10)]!)
  }
  return updates
}

const updates = capturedUpdates()
const identity = generateIdentity()
let notifications = 0

/** A doc kept in sync by a core, with what a running node adds: the driver's local-update watch and a graph source. */
function syncedDoc(verificationCache?: VerificationCache): { core: YDocSyncCore; replica: YDocReplica; topic: string; stop: Unsubscribe } {
  const doc = new Y.Doc()
  const core = new YDocSyncCore({ identity, domain: DOC.domain, ...(verificationCache === undefined ? {} : { verificationCache }) })
  core.addDoc(DOC.name, doc, NOW)
  const replica = core.replica(DOC.name)!
  const stopWatch = replica.onLocalUpdate(() => {
    throw new Error('a remote update was reported as local')
  })
  const stopSource = ySource(doc.getText('text')).subscribe(() => notifications++)
  return {
    core,
    replica,
    topic: core.topicOf(DOC.name)!,
    stop: () => {
      stopWatch()
      stopSource()
    }
  }
}

function rawApply(count: number): void {
  const doc = new Y.Doc()
  doc.getText('text')
  for (let i = 0; i < count; i++) Y.applyUpdate(doc, updates[i]!)
}

function rawApplyUndeclared(): void {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
}

function rawApplyObserved(): void {
  const doc = new Y.Doc()
  doc.getText('text').observeDeep(() => notifications++)
  for (const update of updates) Y.applyUpdate(doc, update)
}

const apply = new BenchSuite('@dscs/frp-state', 'yjs')
apply.add('raw Y.applyUpdate', () => rawApply(EDITS))
apply.add('raw Y.applyUpdate, text observed', rawApplyObserved)
apply.add("raw Y.applyUpdate, 'text' never declared", rawApplyUndeclared)
apply.add('frp-state apply path', () => {
  const { replica, stop } = syncedDoc()
  for (const update of updates) replica.applyRemote(update)
  stop()
})
await apply.run({ rounds: 25, roundMs: 600 })
const applyRatio = apply.compare('frp-state apply path vs raw Y.applyUpdate (ops/s; ≥ 0.8 is ≤ 1.25× the cost)', 'frp-state apply path', 'raw Y.applyUpdate', {
  atLeast: 0.8
})
console.log(`  cost: ${(1 / applyRatio.ratio).toFixed(3)}× raw Y.applyUpdate (target ≤ 1.25×)`)
for (const [subject, anchor] of [
  ['raw Y.applyUpdate, text observed', 'raw Y.applyUpdate'],
  ["raw Y.applyUpdate, 'text' never declared", 'raw Y.applyUpdate'],
  ['frp-state apply path', 'raw Y.applyUpdate, text observed']
] as const) {
  const { ratio } = apply.compare(`${subject} vs ${anchor} (informative)`, subject, anchor)
  console.log(`  cost: ${(1 / ratio).toFixed(3)}× ${anchor}`)
}
await apply.save(new URL('./results/', import.meta.url))

// The envelopes a peer would publish for the first 1,000 edits, sealed once.
const publisher = syncedDoc()
const envelopes = updates.slice(0, SIGNED_EDITS).map((update) => {
  const [effect] = publisher.core.publishUpdate(DOC.name, update, NOW)
  if (effect?.type !== 'publish') throw new Error('an update was not sealed')
  return effect.bytes
})
publisher.stop()
const cache = new VerificationCache()
const warm = syncedDoc(cache)
for (const bytes of envelopes) warm.core.receiveTopic('publisher', warm.topic, bytes, NOW)
warm.stop()

function receiveAll(verificationCache?: VerificationCache): void {
  const { core, topic, stop } = syncedDoc(verificationCache)
  for (const bytes of envelopes) {
    if (core.receiveTopic('publisher', topic, bytes, NOW).verdict !== 'accept') throw new Error('an envelope was refused')
  }
  stop()
}

const receive = new BenchSuite('@dscs/frp-state', 'yjs-envelopes')
receive.add('raw Y.applyUpdate', () => rawApply(SIGNED_EDITS))
receive.add('receiveTopic, cached verdicts', () => receiveAll(cache))
receive.add('receiveTopic, Ed25519 verified', () => receiveAll())
await receive.run({ roundMs: 600 })
for (const subject of ['receiveTopic, cached verdicts', 'receiveTopic, Ed25519 verified']) {
  const { ratio } = receive.compare(`${subject} vs raw Y.applyUpdate (informative)`, subject, 'raw Y.applyUpdate')
  console.log(`  cost: ${(1 / ratio).toFixed(2)}× raw Y.applyUpdate`)
}
await receive.save(new URL('./results/', import.meta.url))
console.log(`  (${notifications} source notifications)`)
