import type { Unsubscribe } from '@dscs/interface'

/**
 * State that lives outside the op log (a Y.Doc type, a local setting) and
 * feeds the graph: computed values that read it rerun when it reports a change.
 */
export interface ExternalSource<T> {
  /** The current value; read inside a computation, it makes the computation depend on this source. */
  read(): T
  /** Calls `onChange` after every change; returns the way to stop. */
  subscribe(onChange: () => void): Unsubscribe
}
