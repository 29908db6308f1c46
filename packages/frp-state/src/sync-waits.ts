import type { PeerRef } from '@dscs/interface'
import type { Timers } from '@dscs/net'
import type { FrpStateEvent } from './core/core.js'
import type { FrpStateError } from './core/errors.js'
import type { YjsEvent } from './yjs/sync-core.js'

/** What one {@link FrpState.sync} found: what crossed between this node and the peer. */
export interface SyncReport {
  readonly peer: PeerRef
  /** Ops the peer sent this node in the anti-entropy session (this node lacked them). */
  readonly received: number
  /** Ops this node sent the peer in it (the peer lacked them). */
  readonly sent: number
  /** Y.Docs the peer's answer (its sync step 2) changed here. */
  readonly docsUpdated: number
  /** Y.Docs the peer did not answer for within the timeout: it may not keep them. */
  readonly docsUnanswered: readonly string[]
}

/** The events a wait listens to: the core's session ends and the Yjs `synced` answers. */
export type SyncWaitEvent = FrpStateEvent<unknown> | { readonly type: 'doc'; readonly event: YjsEvent }

interface Pending {
  readonly peer: PeerRef
  readonly resolve: (report: SyncReport) => void
  readonly reject: (error: unknown) => void
  /** Set when the anti-entropy session ended. */
  ops: { readonly received: number; readonly sent: number } | undefined
  /** The documents whose answer is still awaited. */
  readonly docs: Set<string>
  docsUpdated: number
  docsExpired: boolean
  readonly cancel: () => void
}

/**
 * The syncs `FrpState.sync` is waiting on, by the core's request number:
 * each settles when its anti-entropy session ends (or rejects when it breaks
 * off) and every document answered, or the document timeout passed.
 */
export class SyncWaits {
  readonly #timers: Timers
  readonly #pending = new Map<number, Pending>()

  constructor(timers: Timers) {
    this.#timers = timers
  }

  /** Waits for request `request` of the core with `peer`, and for `peer`'s answer on each of `docs` for up to `timeout` ms. */
  wait(peer: PeerRef, request: number, docs: readonly string[], timeout: number): Promise<SyncReport> {
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        peer,
        resolve,
        reject,
        ops: undefined,
        docs: new Set(docs),
        docsUpdated: 0,
        docsExpired: false,
        cancel: this.#timers.schedule(() => {
          pending.docsExpired = true
          this.#settle(request, pending)
        }, timeout)
      }
      this.#pending.set(request, pending)
    })
  }

  /** Takes every event of the service: session ends settle their requests, Yjs answers tick off documents. */
  onEvent(event: SyncWaitEvent): void {
    if (event.type === 'sync-ended' || event.type === 'sync-failed') {
      for (const request of event.requests) {
        const pending = this.#pending.get(request)
        if (pending === undefined) continue
        if (event.type === 'sync-failed') this.#fail(request, pending, event.error)
        else {
          pending.ops = { received: event.received, sent: event.sent }
          this.#settle(request, pending)
        }
      }
    } else if (event.type === 'doc' && event.event.type === 'synced') {
      const { doc, peer, changed } = event.event
      for (const [request, pending] of this.#pending) {
        if (pending.peer !== peer || !pending.docs.delete(doc)) continue
        if (changed) pending.docsUpdated++
        this.#settle(request, pending)
      }
    }
  }

  /** Rejects every wait with `error`: the service stopped. */
  abort(error: FrpStateError): void {
    for (const [request, pending] of this.#pending) this.#fail(request, pending, error)
  }

  #settle(request: number, pending: Pending): void {
    if (pending.ops === undefined || (pending.docs.size > 0 && !pending.docsExpired)) return
    this.#pending.delete(request)
    pending.cancel()
    pending.resolve({ peer: pending.peer, ...pending.ops, docsUpdated: pending.docsUpdated, docsUnanswered: [...pending.docs] })
  }

  #fail(request: number, pending: Pending, error: unknown): void {
    this.#pending.delete(request)
    pending.cancel()
    pending.reject(error)
  }
}
