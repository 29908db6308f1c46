/**
 * Yjs documents in @dscs/frp-state: shared texts, maps and arrays that merge
 * after partitions, as sources of the graph, synced with y-protocols over
 * signed DSCS envelopes and persisted through the `Store` port.
 *
 * - {@link ySource}: a Y type as an `ExternalSource` of the graph.
 * - {@link YDocSyncCore}: the sans-I/O sync protocol for the named Y.Docs of
 *   a state domain, each on its own topic, added and removed at any time;
 *   {@link YDocSyncDriver} runs it on a `Net`.
 * - {@link YDocReplica}: a doc's boundary: checked remote updates in, local updates out.
 *   Remote changes are applied with the replica as transaction origin
 *   (`event.transaction.origin === core.replica(name)` tells an observer so).
 * - {@link YUpdateLog}: a doc's updates in a `Store`, restored on restart, compacted atomically.
 *
 * @example
 * ```ts
 * import * as Y from 'yjs'
 * import { createNode } from '@dscs/net' // in Node, the entry with createNode
 * import { YDocSyncCore, YDocSyncDriver, YUpdateLog, ySource } from '@dscs/frp-state'
 *
 * const node = await createNode({ dataDir: './.dscs' })
 * const core = new YDocSyncCore({ identity: node.identity, domain: 'notes', verificationCache: node.net.verificationCache })
 * const sync = new YDocSyncDriver({ core, net: node.net, clock: node.net.clock })
 * sync.start()
 * const doc = new Y.Doc()
 * const log = await YUpdateLog.open(node.store, doc, { domain: 'notes', name: 'todo' }) // restored before it syncs
 * sync.addDoc('todo', doc)                     // synced with every peer, live on its own topic
 * const title = ySource(doc.getText('title')) // feeds computed values
 * doc.getText('title').insert(0, 'Groceries') // published to peers, stored
 * await log.flushed()                          // durable
 * sync.stop()
 * await log.close()
 * await node.stop()
 * ```
 */
export { ySource } from './source.js'
export type { YType } from './source.js'
export { YDocSyncCore } from './sync-core.js'
export type { YDocSyncCoreOptions, YjsEvent } from './sync-core.js'
export { YDocSyncDriver } from './sync-driver.js'
export type { YDocSyncDriverOptions } from './sync-driver.js'
export { YDocReplica } from './replica.js'
export type { YDocReplicaOptions } from './replica.js'
export { YUpdateLog } from './update-log.js'
export type { YUpdateLogOptions } from './update-log.js'
export { YSyncPayload, YUpdatePayload } from './messages.js'
export type { YjsPayload } from './messages.js'
export { checkUpdate } from './update-check.js'
export type { UpdateStart } from './update-check.js'
export { yjsProtocol, DEFAULT_MAX_YJS_ENVELOPE_BYTES, DEFAULT_MAX_YJS_DOCS, yjsTopic } from './constants.js'
