import * as Y from 'yjs'
import { FrpStateError } from '../core/errors.js'

/**
 * Throws BAD_YJS_UPDATE unless `update` is a Yjs (v1) update that Yjs can
 * integrate without failing half-way, which would leave part of it in the
 * doc. It must decode completely; no struct may be empty; no item may refer to a struct of its own
 * client at or after its own clock (Yjs waits for missing structs of other
 * clients, but takes its own client's as present, and throws midway); and no
 * deletion may be empty (Yjs throws re-encoding one it must keep for later,
 * after the structs went in). Returns the update's structs; changes nothing.
 */
export function checkUpdate(update: Uint8Array): readonly YStruct[] {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (err) {
    throw new FrpStateError('BAD_YJS_UPDATE', `the update does not decode: ${describe(err)}`, { cause: err })
  }
  for (const struct of decoded.structs) {
    // An empty struct (a GC of length 0, an item with empty content) breaks the binary search over the doc's structs.
    if (!(struct.length > 0)) throw new FrpStateError('BAD_YJS_UPDATE', `an empty struct at ${struct.id.client}:${struct.id.clock}`)
    if (struct instanceof Y.Item) checkReferences(struct)
  }
  for (const [client, deletions] of decoded.ds.clients) {
    for (const { clock, len } of deletions) {
      if (!(len > 0)) throw new FrpStateError('BAD_YJS_UPDATE', `an empty deletion at ${client}:${clock}`)
    }
  }
  return decoded.structs
}

/** A struct of a decoded update: an item, a garbage-collected range or a gap. */
export type YStruct = ReturnType<typeof Y.decodeUpdate>['structs'][number]

function checkReferences(item: Y.Item): void {
  const { client, clock } = item.id
  const parent = item.parent instanceof Y.ID ? item.parent : null
  for (const reference of [item.origin, item.rightOrigin, parent]) {
    if (reference !== null && reference.client === client && reference.clock >= clock) {
      throw new FrpStateError('BAD_YJS_UPDATE', `item ${client}:${clock} refers to ${reference.client}:${reference.clock}, not before it in its own client's history`)
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
