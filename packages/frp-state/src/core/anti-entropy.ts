import { isDscsError, type CoreEffect, type DscsError, type PeerRef } from '@dscs/interface'
import { ReplayGuard, openEnvelope, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, decodePayload, encodeEnvelope, encodePayload, WireError } from '@dscs/wire'
import { ReconcileSession } from '../sync/session.js'
import type { OpIndex } from '../sync/op-index.js'
import { ENVELOPE_OVERHEAD_BYTES, MAX_SYNC_BYTES, MAX_SYNC_OPS, MAX_SYNC_SESSIONS } from './constants.js'
import { FrpStateError } from './errors.js'
import { SyncMessage, type SyncPayload } from './messages.js'
import type { Op } from './op.js'

export interface AntiEntropyOptions<P> {
  readonly index: OpIndex<Op<P>>
  readonly domain: string
  readonly identity: Identity
  /** This node's peer: of two peers that connect, the smaller starts, so they do not both. Unknown: both start. */
  readonly self?: PeerRef
  readonly timeout: number
  readonly interval: number
  readonly verificationCache?: VerificationCache
}

interface OpenSession<P> {
  readonly session: ReconcileSession<Op<P>>
  readonly initiated: boolean
  lastHeard: number
  /** The syncs asked of this session ({@link AntiEntropy.sync}'s request numbers), answered when it ends. */
  readonly requests: number[]
  /** Ops the peer sent in this session, and ops we sent it. */
  received: number
  sent: number
  /** Our part is over: the reconciliation is done and our last message went out. */
  finished: boolean
  /** From the peer's last message: how many ops it sent in the session in all. */
  peerSent: number | undefined
}

/** How a session ended, for every session: what crossed, or why it broke off. */
export type SyncEvent =
  /** Both sides sent their last message and every op the peer sent arrived: `received` ops came from `peer`, `sent` went to it. */
  | {
      readonly type: 'sync-ended'
      readonly peer: PeerRef
      readonly initiated: boolean
      readonly requests: readonly number[]
      readonly received: number
      readonly sent: number
    }
  /** The session broke off: `SYNC_TIMEOUT` (silent too long), `SYNC_ABORTED` (peer gone, too many sessions), or the protocol error. */
  | { readonly type: 'sync-failed'; readonly peer: PeerRef; readonly initiated: boolean; readonly requests: readonly number[]; readonly error: DscsError }

/** What the core does with each op a Sync message carries: checks and applies it like a topic message. */
export type OpSink<E> = (bytes: Uint8Array, from: PeerRef) => CoreEffect<E>[]

const WIRE_LIMITS = { maxEnvelopeBytes: MAX_SYNC_BYTES }
// Room for the step and the message's own fields within MAX_SYNC_BYTES.
const OPS_BUDGET = MAX_SYNC_BYTES - 512 * 1024 - ENVELOPE_OVERHEAD_BYTES

/**
 * Anti-entropy for the op log, between this node and each peer: on connect
 * (and every `interval`, with the next peer in turn) a range-based
 * reconciliation session finds the ops either side lacks; each side sends the
 * other the envelopes it was found to lack, in signed Sync messages on
 * the domain's protocol, `/dscs/frp-state/<domain>/1.0.0`. Each side marks
 * its last message of a session with the number of ops it sent in it, so
 * both know when the session is over and what crossed (a `sync-ended`
 * event). Sessions are bounded in number and dropped when idle
 * (`sync-failed`); a message that breaks the protocol ends its session and
 * penalises its sender.
 */
export class AntiEntropy<P> {
  readonly #options: AntiEntropyOptions<P>
  /** Each peer's open sessions, by {@link sessionKey}: a peer's are found without scanning everyone's. */
  readonly #sessions = new Map<PeerRef, Map<string, OpenSession<P>>>()
  /** Sessions open, over every peer. */
  #open = 0
  readonly #peers = new Set<PeerRef>()
  readonly #replay = new ReplayGuard({ windowMs: 60_000, maxEntries: 10_000 })
  #nextSession = 1
  #nextRequest = 1
  #sent = 0
  #nextRound: number | undefined
  #turn = 0

  constructor(options: AntiEntropyOptions<P>) {
    this.#options = options
  }

  /** Sessions open now. */
  get sessions(): number {
    return this.#open
  }

  peerConnected(peer: PeerRef, now: number): CoreEffect<SyncEvent>[] {
    this.#peers.add(peer)
    const self = this.#options.self
    if (self !== undefined && self > peer) return []
    // A session asked for before the connection came (a member back in view first) may never have reached the
    // peer: the new session answers its syncs. (The larger peer's gives way when the peer's start arrives.)
    const requests = [...(this.#sessions.get(peer)?.keys() ?? [])].flatMap((key) => this.#take(peer, key))
    return this.start(peer, now, requests)
  }

  peerDisconnected(peer: PeerRef): CoreEffect<SyncEvent>[] {
    this.#peers.delete(peer)
    return this.#failAll(peer, aborted(`${peer} disconnected`))
  }

  /**
   * A Sync message to `peer` could not be sent (it runs no such domain, or the stream broke): its sessions end now,
   * freeing their slots, rather than at their timeout.
   */
  sendFailed(peer: PeerRef, error: unknown): CoreEffect<SyncEvent>[] {
    return this.#failAll(peer, aborted(`could not send to ${peer}: ${error instanceof Error ? error.message : String(error)}`))
  }

  #failAll(peer: PeerRef, error: DscsError): CoreEffect<SyncEvent>[] {
    const effects = [...(this.#sessions.get(peer)?.keys() ?? [])].flatMap((key) => this.#fail(peer, key, error))
    this.#sessions.delete(peer)
    return effects
  }

  /** Starts a session with `peer`; a `sync-failed` event when too many are open. */
  start(peer: PeerRef, now: number, requests: number[] = []): CoreEffect<SyncEvent>[] {
    if (this.#open >= MAX_SYNC_SESSIONS) {
      return [{ type: 'emit', event: { type: 'sync-failed', peer, initiated: true, requests, error: aborted(`${MAX_SYNC_SESSIONS} sessions open`) } }]
    }
    const id = this.#nextSession++
    const open = newSession(new ReconcileSession(this.#options.index), true, now, requests)
    this.#add(peer, sessionKey(true, id), open)
    return this.#messages(peer, { session: id, start: true, fromInitiator: true, step: open.session.initiate() }, [], now, open)
  }

  /**
   * A sync with `peer` asked for now: joins a session open with it, else starts one. `request` names it in the
   * `sync-ended` or `sync-failed` event of the session that answers it.
   */
  sync(peer: PeerRef, now: number): { request: number; effects: CoreEffect<SyncEvent>[] } {
    const request = this.#nextRequest++
    const open = this.#sessions.get(peer)?.values().next().value
    if (open !== undefined) {
      open.requests.push(request)
      return { request, effects: [] }
    }
    return { request, effects: this.start(peer, now, [request]) }
  }

  /** A Sync message from `from`: its ops go to `sink`, its step to the session it names. */
  receive<E>(from: PeerRef, bytes: Uint8Array, now: number, sink: OpSink<E>): CoreEffect<E | SyncEvent>[] {
    let message: SyncPayload
    try {
      openEnvelope(bytes, {
        limits: WIRE_LIMITS,
        replay: this.#replay,
        cache: this.#options.verificationCache,
        now,
        beforeSignature: (env) => {
          if (env.kind !== SyncMessage.name) throw new WireError('UNKNOWN_KIND', `expected ${SyncMessage.name}, got ${JSON.stringify(env.kind)}`)
          message = decodePayload(env, SyncMessage)
          if (message.domain !== this.#options.domain) throw new FrpStateError('BAD_MESSAGE', `a sync for domain ${JSON.stringify(message.domain)}, not ours`)
        }
      })
    } catch (error) {
      if (!isDscsError(error)) throw error
      return [{ type: 'penalise', peer: from, error }]
    }
    // Set by beforeSignature, which openEnvelope runs before accepting any envelope.
    const sync = message!
    const effects: CoreEffect<E | SyncEvent>[] = sync.ops.flatMap((op) => sink(op, from))
    if (sync.step.length > 0) effects.push(...this.#step(from, sync, now))
    // A session is named by who started it and its number: ours if the peer is not the initiator.
    const key = sessionKey(!sync.fromInitiator, sync.session)
    const open = this.#sessions.get(from)?.get(key)
    if (open === undefined) return effects
    open.lastHeard = now
    open.received += sync.ops.length
    if (sync.last === true) open.peerSent = sync.opsSent ?? 0
    return [...effects, ...this.#endIfComplete(from, key, open)]
  }

  /** Drops idle sessions; starts the periodic session with the next peer in turn. */
  tick(now: number): CoreEffect<SyncEvent>[] {
    const effects: CoreEffect<SyncEvent>[] = []
    for (const [peer, sessions] of this.#sessions) {
      for (const [key, open] of sessions) {
        if (now - open.lastHeard >= this.#options.timeout) {
          effects.push(...this.#fail(peer, key, new FrpStateError('SYNC_TIMEOUT', `the sync with ${peer} was silent for ${this.#options.timeout} ms`)))
        }
      }
    }
    if (this.#nextRound === undefined) this.#nextRound = now + this.#options.interval
    if (now < this.#nextRound) return effects
    this.#nextRound = now + this.#options.interval
    const peers = [...this.#peers]
    if (peers.length === 0) return effects
    return [...effects, ...this.start(peers[this.#turn++ % peers.length]!, now)]
  }

  nextDeadline(): number | undefined {
    let deadline = this.#nextRound
    for (const sessions of this.#sessions.values()) {
      for (const open of sessions.values()) deadline = Math.min(deadline ?? Infinity, open.lastHeard + this.#options.timeout)
    }
    return deadline
  }

  #step(from: PeerRef, sync: SyncPayload, now: number): CoreEffect<SyncEvent>[] {
    const key = sessionKey(!sync.fromInitiator, sync.session)
    let open = this.#sessions.get(from)?.get(key)
    const effects: CoreEffect<SyncEvent>[] = []
    if (open === undefined) {
      // Lateness is no offence: a step for a session that timed out is dropped quietly.
      if (!sync.start || !sync.fromInitiator) return []
      // Syncs asked of the sessions this one replaces are answered by it instead.
      const requests: number[] = []
      for (const [other, old] of this.#sessions.get(from) ?? []) {
        // One session started by each peer at a time: a new start replaces the old, so a peer cannot hold many.
        // And of two sessions started at once by both peers, the smaller peer's goes on: ours is dropped, if nothing was answered in it yet.
        if (other.startsWith('r\n') || this.#yields(from, old)) requests.push(...this.#take(from, other))
      }
      if (this.#open >= MAX_SYNC_SESSIONS) {
        return requests.length === 0 ? [] : [{ type: 'emit', event: { type: 'sync-failed', peer: from, initiated: false, requests, error: aborted(`${MAX_SYNC_SESSIONS} sessions open`) } }]
      }
      open = newSession(new ReconcileSession(this.#options.index), false, now, requests)
      this.#add(from, key, open)
    }
    // A step after our part ended breaks the protocol, but harms nothing: dropped like a late one.
    if (open.finished) return effects
    open.lastHeard = now
    try {
      const { reply, missingAtPeer, done } = open.session.receive(sync.step)
      const next = { session: sync.session, start: false, fromInitiator: !sync.fromInitiator, step: reply ?? new Uint8Array(0) }
      if (done) open.finished = true
      // The last message goes out even when empty: the peer waits for it to know the session is over.
      return [...effects, ...(reply === undefined && missingAtPeer.length === 0 && !done ? [] : this.#messages(from, next, missingAtPeer, now, open))]
    } catch (error) {
      if (!isDscsError(error)) throw error
      return [...effects, ...this.#fail(from, key, error), { type: 'penalise', peer: from, error }]
    }
  }

  /** True when our session `open` with `peer` gives way to one the peer started at the same time: the larger peer's gives way. */
  #yields(peer: PeerRef, open: OpenSession<P>): boolean {
    const self = this.#options.self
    return open.initiated && open.session.rounds === 0 && self !== undefined && self > peer
  }

  /** Removes a session without a word, handing back the syncs asked of it. */
  #take(peer: PeerRef, key: string): number[] {
    const requests = this.#sessions.get(peer)?.get(key)?.requests ?? []
    this.#remove(peer, key)
    return requests
  }

  #endIfComplete(peer: PeerRef, key: string, open: OpenSession<P>): CoreEffect<SyncEvent>[] {
    if (!open.finished || open.peerSent === undefined || open.received < open.peerSent) return []
    this.#remove(peer, key)
    const { initiated, requests, received, sent } = open
    return [{ type: 'emit', event: { type: 'sync-ended', peer, initiated, requests, received, sent } }]
  }

  #fail(peer: PeerRef, key: string, error: DscsError): CoreEffect<SyncEvent>[] {
    const open = this.#sessions.get(peer)?.get(key)
    if (open === undefined) return []
    this.#remove(peer, key)
    return [{ type: 'emit', event: { type: 'sync-failed', peer, initiated: open.initiated, requests: open.requests, error } }]
  }

  #add(peer: PeerRef, key: string, open: OpenSession<P>): void {
    let sessions = this.#sessions.get(peer)
    if (sessions === undefined) this.#sessions.set(peer, (sessions = new Map<string, OpenSession<P>>()))
    sessions.set(key, open)
    this.#open++
  }

  #remove(peer: PeerRef, key: string): void {
    const sessions = this.#sessions.get(peer)
    if (sessions?.delete(key) !== true) return
    this.#open--
    if (sessions.size === 0) this.#sessions.delete(peer)
  }

  // The step and the ops, split into as many Sync messages as the limits need; the step rides in the first. Once
  // `open` is finished, the final message is marked last, with the count of every op sent in the session.
  #messages(to: PeerRef, head: Omit<SyncPayload, 'ops' | 'domain'>, ops: readonly Op<P>[], now: number, open: OpenSession<P>): CoreEffect<never>[] {
    const effects: CoreEffect<never>[] = []
    open.sent += ops.length
    let batch: Uint8Array[] = []
    let bytes = 0
    let first = true
    const flush = (last: boolean): void => {
      const fields = first ? head : { ...head, start: false, step: new Uint8Array(0) }
      const end = last && open.finished ? { last: true, opsSent: open.sent } : {}
      effects.push({ type: 'send', to, bytes: this.#seal({ ...fields, ...end, domain: this.#options.domain, ops: batch }, now) })
      batch = []
      bytes = 0
      first = false
    }
    for (const op of ops) {
      if (batch.length === MAX_SYNC_OPS || bytes + op.envelope.length > OPS_BUDGET) flush(false)
      batch.push(op.envelope)
      bytes += op.envelope.length
    }
    flush(true)
    return effects
  }

  #seal(payload: SyncPayload, now: number): Uint8Array {
    const { identity } = this.#options
    const envelope = createEnvelope({
      kind: SyncMessage.name,
      payload: encodePayload(SyncMessage, payload),
      author: identity.publicKey,
      timestamp: Math.floor(now),
      seq: this.#sent++ // keeps two equal messages of one millisecond distinct for the peer's replay guard
    })
    return encodeEnvelope(signEnvelope(identity, envelope), WIRE_LIMITS)
  }
}

function newSession<P>(session: ReconcileSession<Op<P>>, initiated: boolean, now: number, requests: number[]): OpenSession<P> {
  return { session, initiated, lastHeard: now, requests, received: 0, sent: 0, finished: false, peerSent: undefined }
}

function aborted(why: string): FrpStateError {
  return new FrpStateError('SYNC_ABORTED', `the sync broke off: ${why}`)
}

/** A session's key among its peer's: who started it and its number. */
function sessionKey(initiatedHere: boolean, id: number): string {
  return `${initiatedHere ? 'i' : 'r'}\n${id}`
}
