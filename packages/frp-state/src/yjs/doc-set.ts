import { LruCache } from '@dscs/identity'
import type { PeerRef } from '@dscs/interface'
import type * as Y from 'yjs'
import { FrpStateError } from '../core/errors.js'
import { checkDocName, yjsTopic } from './constants.js'
import type { YDocReplica } from './replica.js'

/** One document kept in sync: its replica and what the core knows of each peer about it. */
export class SyncedDoc {
  readonly name: string
  readonly topic: string
  readonly replica: YDocReplica
  /** Peers sent this document's step 1 since they connected; bounded, as a misbehaving network could announce endless peers. */
  readonly greeted: LruCache<PeerRef, true>
  /** When each peer was last sent a step 1 whose step 2 has not arrived yet; bounded likewise. */
  readonly syncRequested: LruCache<PeerRef, number>

  constructor(domain: string, name: string, replica: YDocReplica, maxPeers: number) {
    this.name = name
    this.topic = yjsTopic(domain, name)
    this.replica = replica
    this.greeted = new LruCache(maxPeers)
    this.syncRequested = new LruCache(maxPeers)
  }

  forget(peer: PeerRef): void {
    this.greeted.delete(peer)
    this.syncRequested.delete(peer)
  }
}

/**
 * Throws unless `doc` can join `docs` (each entry's Y.Doc given by `docOf`) under `name`: INVALID_OPTION for a name
 * that cannot sit in a topic or a store key, or a Y.Doc kept already under
 * another name (its two replicas would take each other's remote updates for
 * local ones); DUPLICATE_NAME; TOO_MANY_DOCS past `maxDocs`.
 */
export function checkNewDoc<V>(docs: ReadonlyMap<string, V>, docOf: (kept: V) => Y.Doc, name: string, doc: Y.Doc, maxDocs: number): void {
  checkDocName(name)
  if (docs.has(name)) throw new FrpStateError('DUPLICATE_NAME', `a document named ${name} is kept already`)
  for (const [other, kept] of docs) if (docOf(kept) === doc) throw new FrpStateError('INVALID_OPTION', `this Y.Doc is kept already, as ${other}`)
  if (docs.size >= maxDocs) throw new FrpStateError('TOO_MANY_DOCS', `${docs.size} documents are kept, the most allowed (maxDocs)`)
}
