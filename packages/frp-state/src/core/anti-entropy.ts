import { isDscsError, type CoreEffect, type PeerRef } from '@dscs/interface'
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
  lastHeard: number
}

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
 * the domain's protocol, `/dscs/frp-state/<domain>/1.0.0`. Sessions are bounded in number and dropped when
 * idle; a message that breaks the protocol ends its session and penalises
 * its sender.
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

  peerConnected(peer: PeerRef, now: number): CoreEffect<never>[] {
    this.#peers.add(peer)
    const self = this.#options.self
    return self === undefined || self < peer ? this.start(peer, now) : []
  }

  peerDisconnected(peer: PeerRef): void {
    this.#peers.delete(peer)
    this.#open -= this.#sessions.get(peer)?.size ?? 0
    this.#sessions.delete(peer)
  }

  /** Starts a session with `peer`; nothing when too many are open. */
  start(peer: PeerRef, now: number): CoreEffect<never>[] {
    if (this.#open >= MAX_SYNC_SESSIONS) return []
    const id = this.#nextSession++
    const session = new ReconcileSession(this.#options.index)
    this.#add(peer, sessionKey(true, id), { session, lastHeard: now })
    return this.#messages(peer, { session: id, start: true, fromInitiator: true, step: session.initiate() }, [], now)
  }

  /** A Sync message from `from`: its ops go to `sink`, its step to the session it names. */
  receive<E>(from: PeerRef, bytes: Uint8Array, now: number, sink: OpSink<E>): CoreEffect<E>[] {
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
    const effects: CoreEffect<E>[] = sync.ops.flatMap((op) => sink(op, from))
    if (sync.step.length === 0) return effects
    return [...effects, ...this.#step(from, sync, now)]
  }

  /** Drops idle sessions; starts the periodic session with the next peer in turn. */
  tick(now: number): CoreEffect<never>[] {
    for (const [peer, sessions] of this.#sessions) {
      for (const [key, open] of sessions) if (now - open.lastHeard >= this.#options.timeout) this.#remove(peer, key)
    }
    if (this.#nextRound === undefined) this.#nextRound = now + this.#options.interval
    if (now < this.#nextRound) return []
    this.#nextRound = now + this.#options.interval
    const peers = [...this.#peers]
    if (peers.length === 0) return []
    return this.start(peers[this.#turn++ % peers.length]!, now)
  }

  nextDeadline(): number | undefined {
    let deadline = this.#nextRound
    for (const sessions of this.#sessions.values()) {
      for (const open of sessions.values()) deadline = Math.min(deadline ?? Infinity, open.lastHeard + this.#options.timeout)
    }
    return deadline
  }

  #step(from: PeerRef, sync: SyncPayload, now: number): CoreEffect<never>[] {
    // A session is named by who started it and its number: ours if the peer is not the initiator.
    const key = sessionKey(!sync.fromInitiator, sync.session)
    let open = this.#sessions.get(from)?.get(key)
    if (open === undefined) {
      // Lateness is no offence: a step for a session that timed out is dropped quietly.
      if (!sync.start || !sync.fromInitiator) return []
      // One session started by each peer at a time: a new start replaces the old, so a peer cannot hold many.
      for (const other of this.#sessions.get(from)?.keys() ?? []) if (other.startsWith('r\n')) this.#remove(from, other)
      if (this.#open >= MAX_SYNC_SESSIONS) return []
      open = { session: new ReconcileSession(this.#options.index), lastHeard: now }
      this.#add(from, key, open)
    }
    open.lastHeard = now
    try {
      const { reply, missingAtPeer, done } = open.session.receive(sync.step)
      if (done) this.#remove(from, key)
      const next = { session: sync.session, start: false, fromInitiator: !sync.fromInitiator, step: reply ?? new Uint8Array(0) }
      return reply === undefined && missingAtPeer.length === 0 ? [] : this.#messages(from, next, missingAtPeer, now)
    } catch (error) {
      this.#remove(from, key)
      if (!isDscsError(error)) throw error
      return [{ type: 'penalise', peer: from, error }]
    }
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

  // The step and the ops, split into as many Sync messages as the limits need; the step rides in the first.
  #messages(to: PeerRef, head: Omit<SyncPayload, 'ops' | 'domain'>, ops: readonly Op<P>[], now: number): CoreEffect<never>[] {
    const effects: CoreEffect<never>[] = []
    let batch: Uint8Array[] = []
    let bytes = 0
    let first = true
    const flush = (): void => {
      const fields = first ? head : { ...head, start: false, step: new Uint8Array(0) }
      effects.push({ type: 'send', to, bytes: this.#seal({ ...fields, domain: this.#options.domain, ops: batch }, now) })
      batch = []
      bytes = 0
      first = false
    }
    for (const op of ops) {
      if (batch.length === MAX_SYNC_OPS || bytes + op.envelope.length > OPS_BUDGET) flush()
      batch.push(op.envelope)
      bytes += op.envelope.length
    }
    if (first || batch.length > 0) flush()
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

/** A session's key among its peer's: who started it and its number. */
function sessionKey(initiatedHere: boolean, id: number): string {
  return `${initiatedHere ? 'i' : 'r'}\n${id}`
}
