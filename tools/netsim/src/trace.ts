import type { PeerRef } from '@dscs/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** What happened, in trace entries. */
export type TraceKind =
  /** A direct message handed to the link from `peer` to `other`. */
  | 'send'
  /** A topic message published by `peer`. */
  | 'publish'
  /** A topic message handed to the link from `peer` to `other` (a publisher's first hop or a relay). */
  | 'relay'
  /** A direct message from `other` given to `peer`'s handler. */
  | 'deliver'
  /** A topic message relayed by `other` given to `peer`'s topic handler. */
  | 'deliver-topic'
  /** A message from `other` that did not reach a handler at `peer`; `detail` says why (a {@link DropReason}). */
  | 'drop'
  /** The network will deliver an extra copy of a message from `other` to `peer`. */
  | 'duplicate'
  /** `peer`'s topic handler's verdict on a message relayed by `other` (`detail`: accept, ignore or reject). */
  | 'verdict'
  /** A peer's timer fired. */
  | 'timer'
  /** A connect or disconnect event given to `peer` about `other`. */
  | 'peer-event'
  /** A fault or topology change (`detail`: partition, heal, cut, mend, link, crash, restart, connect, disconnect, …). */
  | 'fault'
  /** `peer` penalised `other` (`detail`: the code). */
  | 'penalty'
  /** A task scheduled with `Simulation.at` ran. */
  | 'task'

/** Why a message did not reach a handler. */
export type DropReason =
  /** Lost on the link (the loss probability). */
  | 'loss'
  /** The direction is cut or partitioned, at sending or at arrival. */
  | 'unreachable'
  /** The connection closed (or was replaced by a new one) while the message was in flight. */
  | 'disconnected'
  /** The receiver was crashed, or the sender crashed before the message left its queue. */
  | 'crashed'
  /** The receiver has no handler for the protocol, or no subscription to the topic. */
  | 'no-handler'
  /** A topic message the receiver had already seen (gossip deduplication). */
  | 'seen'

export interface TraceEntry {
  /** Virtual ms since the simulation started. */
  readonly time: number
  readonly kind: TraceKind
  /** The peer it happened at. */
  readonly peer?: PeerRef
  /** The counterpart: sender, relayer, penalised peer, event subject. */
  readonly other?: PeerRef
  /** The message number (each send and publish gets the next one; relays keep it). */
  readonly message?: number
  /** Protocol, topic, drop reason, verdict, fault or penalty code. */
  readonly detail?: string
  /** A number that goes with the detail (a link property's new value, a partition group). */
  readonly value?: number
}

export const KIND_CODES: Readonly<Record<TraceKind, number>> = {
  send: 1,
  publish: 2,
  relay: 3,
  deliver: 4,
  'deliver-topic': 5,
  drop: 6,
  duplicate: 7,
  verdict: 8,
  timer: 9,
  'peer-event': 10,
  fault: 11,
  penalty: 12,
  task: 13
}

const RECORD_BYTES = 33
const BUFFER_BYTES = RECORD_BYTES * 2048
const NONE = 0xffffffff
const encoder = new TextEncoder()

/**
 * The trace: every event, as a fixed-size binary record fed to an
 * incremental SHA-256, so comparing two runs costs one hash; and, when
 * asked for, the same events as readable entries.
 */
export class TraceRecorder {
  readonly entries: TraceEntry[] | undefined
  #count = 0
  readonly #hasher = sha256.create()
  readonly #buffer = new Uint8Array(BUFFER_BYTES)
  readonly #view = new DataView(this.#buffer.buffer)
  #used = 0
  readonly #strings = new Map<string, number>()
  readonly #peerId: (index: number) => PeerRef

  constructor(keepEntries: boolean, peerId: (index: number) => PeerRef) {
    this.entries = keepEntries ? [] : undefined
    this.#peerId = peerId
  }

  /** Events recorded so far. */
  get count(): number {
    return this.#count
  }

  /** `peer` and `other` are peer indexes or -1; `message` a message number or -1. */
  record(kind: TraceKind, time: number, peer: number, other: number, message: number, detail?: string, value?: number): void {
    this.#count++
    const detailCode = detail === undefined ? NONE : this.#intern(detail)
    if (this.#used + RECORD_BYTES > BUFFER_BYTES) this.#flush()
    const v = this.#view
    const o = this.#used
    v.setUint8(o, KIND_CODES[kind])
    v.setFloat64(o + 1, time, true)
    v.setUint32(o + 9, peer < 0 ? NONE : peer, true)
    v.setUint32(o + 13, other < 0 ? NONE : other, true)
    v.setUint32(o + 17, message < 0 ? NONE : message, true)
    v.setUint32(o + 21, detailCode, true)
    v.setFloat64(o + 25, value ?? 0, true)
    this.#used = o + RECORD_BYTES
    if (this.entries !== undefined) {
      const entry: { -readonly [K in keyof TraceEntry]: TraceEntry[K] } = { time, kind }
      if (peer >= 0) entry.peer = this.#peerId(peer)
      if (other >= 0) entry.other = this.#peerId(other)
      if (message >= 0) entry.message = message
      if (detail !== undefined) entry.detail = detail
      if (value !== undefined) entry.value = value
      this.entries.push(entry)
    }
  }

  /** SHA-256 of every record so far, hex. Cheap to call mid-run. */
  hash(): string {
    this.#flush()
    return bytesToHex(this.#hasher.clone().digest())
  }

  #intern(s: string): number {
    let code = this.#strings.get(s)
    if (code === undefined) {
      code = this.#strings.size
      this.#strings.set(s, code)
      // The string's bytes enter the hash once, where it is first used.
      this.#flush()
      this.#hasher.update(encoder.encode(s))
      this.#hasher.update(new Uint8Array([0]))
    }
    return code
  }

  #flush(): void {
    if (this.#used === 0) return
    this.#hasher.update(this.#buffer.subarray(0, this.#used))
    this.#used = 0
  }
}
