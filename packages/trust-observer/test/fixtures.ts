// Shared by the observer protocol's tests: identities, envelopes, and a harness that runs an observer core on a
// Store log and hands its work orders (appends, reads) to the log as the service does, without a network.
import { identityFromSeed, signEnvelope, type Identity } from '@dscs/identity'
import { joinBytes, type CoreEffect, type PeerRef } from '@dscs/interface'
import { MemoryStore } from '@dscs/store'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import {
  ClientCore,
  decodeObserverMessage,
  encodeObserverMessage,
  ObserverCore,
  StoreMerkleLog,
  type ClientCoreOptions,
  type ClientEvent,
  type ObserverCoreOptions,
  type ObserverEvent,
  type ObserverMessage
} from '../src/index.js'

export const T0 = 1_700_000_000_000

/** A deterministic identity per name. */
export function identity(name: string): Identity {
  return identityFromSeed(new TextEncoder().encode(name.padEnd(32, '.')).slice(0, 32))
}

export const OBSERVER = identity('observer')
export const ALICE = identity('alice')
export const BOB = identity('bob')

let counter = 0
/** A fresh signed envelope by `author`: an entry to submit. */
export function envelope(author: Identity = ALICE, timestamp = T0, payloadBytes = 16): Uint8Array {
  const payload = new Uint8Array(payloadBytes).fill(counter & 255)
  return encodeEnvelope(signEnvelope(author, createEnvelope({ kind: 'test.Op', payload, author: author.publicKey, timestamp, seq: counter++ })))
}

/** A Submit message carrying `bytes`. */
export function submitMessage(bytes: Uint8Array, request = 1): Uint8Array {
  return encodeObserverMessage({ type: 'submit', request, envelope: bytes })
}

/** The messages a list of effects sends, decoded, with their recipients. */
export function sent(effects: readonly CoreEffect<unknown>[]): { to: PeerRef; message: ObserverMessage }[] {
  return effects.flatMap((e) => (e.type === 'send' ? [{ to: e.to, message: decodeObserverMessage(joinBytes(e.bytes), { maxMessageBytes: 1 << 22, maxEntryBytes: 1 << 20, maxRangeEntries: 1 << 12 }) }] : []))
}

/** The codes of the penalties in `effects`. */
export function penalties(effects: readonly CoreEffect<unknown>[]): string[] {
  return effects.flatMap((e) => (e.type === 'penalise' ? [e.error.code] : []))
}

export function events<E>(effects: readonly CoreEffect<E>[]): E[] {
  return effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []))
}

/**
 * An observer core on a StoreMerkleLog in memory, its appends and reads
 * carried out as the service carries them out: `settle` runs the work the
 * effects order and returns every effect on the way.
 */
export class ObserverHarness {
  readonly core: ObserverCore
  readonly log: StoreMerkleLog
  readonly store: MemoryStore

  private constructor(core: ObserverCore, log: StoreMerkleLog, store: MemoryStore) {
    this.core = core
    this.log = log
    this.store = store
  }

  static async create(options: Partial<ObserverCoreOptions> = {}, store = new MemoryStore()): Promise<ObserverHarness> {
    const log = await StoreMerkleLog.open(store)
    const core = new ObserverCore({ identity: OBSERVER, state: { size: log.size, root: await log.root() }, ...options })
    return new ObserverHarness(core, log, store)
  }

  /** Carries out every append and read the effects order (and those the results order), returning all effects. */
  async settle(effects: CoreEffect<ObserverEvent>[], now: number): Promise<CoreEffect<ObserverEvent>[]> {
    const all: CoreEffect<ObserverEvent>[] = []
    let queue = effects
    for (let rounds = 0; queue.length > 0 && rounds < 100; rounds++) {
      all.push(...queue)
      const next: CoreEffect<ObserverEvent>[] = []
      for (const effect of queue) {
        if (effect.type !== 'emit') continue
        const event = effect.event
        if (event.type === 'append') {
          const state = await this.log.append(event.batch.entries)
          next.push(...this.core.committed(event.batch, state, now))
        } else if (event.type === 'read') {
          next.push(...(await this.#read(event.read, now)))
        }
      }
      queue = next
    }
    return all
  }

  /** Receives `bytes` from `from` at `now`, then ticks at `now + batchInterval`: the effects of both, with their work done. */
  async submit(from: PeerRef, bytes: Uint8Array, now: number, request = 1): Promise<CoreEffect<ObserverEvent>[]> {
    const received = this.core.receive(from, submitMessage(bytes, request), now)
    return this.settle([...received, ...this.core.tick(now + 100)], now + 100)
  }

  async #read(read: Parameters<ObserverCore['answer']>[0], now: number): Promise<CoreEffect<ObserverEvent>[]> {
    try {
      switch (read.kind) {
        case 'inclusion': {
          const [entry] = await this.log.entries(read.index, read.index + 1)
          return this.core.answer(read, { kind: 'inclusion', index: read.index, entry: entry!, path: await this.log.inclusionProof(read.index, read.treeSize) }, now)
        }
        case 'consistency':
          return this.core.answer(
            read,
            { kind: 'consistency', oldRoot: await this.log.root(read.oldSize), newRoot: await this.log.root(read.newSize), path: await this.log.consistencyProof(read.oldSize, read.newSize) },
            now
          )
        case 'entries':
          return this.core.answer(read, { kind: 'entries', entries: await this.log.entries(read.start, read.end) }, now)
        case 'lookup':
          throw new Error('the harness keeps no entry index')
      }
    } catch (err) {
      return this.core.readFailed(read, err)
    }
  }
}

/**
 * Carries messages between an observer harness and client cores until all is
 * quiet: the clients' sends go to the observer (as the peer they are named by
 * in `clients`; 'observer' names the observer), its answers back, and its publications (and the clients') to
 * every client's topic handler. Returns every effect the clients produced.
 */
export async function exchange(
  h: ObserverHarness,
  clients: Readonly<Record<PeerRef, ClientCore>>,
  start: readonly { from: PeerRef; effects: readonly CoreEffect<unknown>[] }[],
  now: number
): Promise<{ from: PeerRef; effect: CoreEffect<ClientEvent> }[]> {
  const seen: { from: PeerRef; effect: CoreEffect<ClientEvent> }[] = []
  let queue = [...start]
  for (let rounds = 0; queue.length > 0 && rounds < 200; rounds++) {
    const next: typeof queue = []
    for (const { from, effects } of queue) {
      for (const effect of effects) {
        if (from !== 'observer') seen.push({ from, effect: effect as CoreEffect<ClientEvent> })
        if (effect.type === 'send') {
          const bytes = joinBytes(effect.bytes)
          if (from === 'observer') next.push({ from: effect.to, effects: clients[effect.to]?.receive('observer', bytes, now) ?? [] })
          else next.push({ from: 'observer', effects: await h.settle(h.core.receive(from, bytes, now), now) })
        } else if (effect.type === 'publish') {
          for (const [name, client] of Object.entries(clients)) if (name !== from) next.push({ from: name, effects: client.receiveTopic(from, effect.topic, effect.bytes, now).effects })
        }
      }
    }
    queue = next
  }
  return seen
}

/** A client core of the harness's observer, named `name`. */
export function clientCore(name: string, options: Partial<ClientCoreOptions> = {}): ClientCore {
  return new ClientCore({ identity: identity(name), observer: { publicKey: OBSERVER.publicKey, peer: 'observer' }, ...options })
}
