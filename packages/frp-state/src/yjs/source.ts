import type { Unsubscribe } from '@dscs/interface'
import type * as Y from 'yjs'
import type { ExternalSource } from '../core/source.js'

/** Any Yjs shared type: what ySource needs of one, free of AbstractType's invariant event type parameter. */
export type YType = Pick<Y.AbstractType<unknown>, 'observeDeep' | 'unobserveDeep'>

/**
 * A Yjs shared type (Y.Text, Y.Map, Y.Array, Y.XmlFragment, …) as a source of
 * the graph. `read()` returns the type itself: computed values read what they
 * need from it and cut off recomputation with their own equality. `subscribe`
 * observes the type deeply, so a change anywhere inside it (a nested map, an
 * array of texts) is reported, once per transaction whatever it changed.
 */
export function ySource<T extends YType>(type: T): ExternalSource<T> {
  return {
    read: () => type,
    subscribe(onChange: () => void): Unsubscribe {
      // observeDeep calls back once per transaction with all of its events: one change report each.
      const observer = (): void => onChange()
      type.observeDeep(observer)
      return () => type.unobserveDeep(observer)
    }
  }
}
