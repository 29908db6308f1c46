import { LruCache, openEnvelope, peerIdOfPublicKey, signEnvelope } from '@dscs/identity'
import { joinBytes } from '@dscs/interface'
import type { DscsNode } from '@dscs/net'
import { createEnvelope, decodeEnvelope, encodeEnvelope, encodeFrame, envelopeHash, FrameDecoder, type Envelope } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Output } from './output.js'

/** The payload kind of a chat line: its UTF-8 text. */
export const TEXT_KIND = 'dscs.node.Text'
/** The payload kind of a relayed history: the chat envelopes a node saw, each length-prefixed, oldest first. */
export const HISTORY_KIND = 'dscs.chat.History'

/** A line's id, as `openEnvelope` gives it: the envelope hash in hex. The topic's validator has checked the signature already. */
const lineId = (envelope: Envelope): string => bytesToHex(envelopeHash(envelope))

/** Lines a node keeps to relay, and ids it remembers so that no line is shown twice. */
const HISTORY_LINES = 100
// A relayed history is one envelope: the newest lines that fit well inside the default 1 MiB envelope limit.
const HISTORY_BYTES = 512 * 1024
const SEEN_IDS = 10_000
// A history is relayed once per new peer, after the connection settles into the topic's mesh.
const RELAY_DELAY_MS = 1_000

export interface ChatOptions {
  /** Relay the lines this node saw to each peer that connects (a side healing from a partition), marked untrusted there. */
  readonly relayHistory?: boolean
}

/**
 * A chat on one topic in the "no trust" mode: each line is an envelope
 * signed by its author, refused when replayed or outside the clock window
 * (the node's topic validator does that), and kept nowhere but in memory.
 * With `relayHistory`, a node sends the lines it saw to every peer that
 * connects; the receiver shows those it has not seen, marked untrusted: each
 * is signed by its author, but nothing says the history is whole or in order.
 */
export class ChatRoom {
  readonly #node: DscsNode
  readonly #topic: string
  readonly #out: Output
  readonly #history: Uint8Array[] = []
  readonly #seen = new LruCache<string, true>(SEEN_IDS)

  constructor(node: DscsNode, topic: string, out: Output, options: ChatOptions = {}) {
    this.#node = node
    this.#topic = topic
    this.#out = out
    node.net.subscribe(topic, ({ from, bytes }) => this.#receive(from, bytes))
    if (options.relayHistory === true) {
      node.net.onPeer((event) => {
        if (event.type === 'connect') setTimeout(() => void this.#relayHistory(), RELAY_DELAY_MS).unref()
      })
    }
  }

  /** Signs `text` and publishes it on the topic. */
  async say(text: string): Promise<void> {
    const { identity } = this.#node
    const envelope = signEnvelope(identity, createEnvelope({ kind: TEXT_KIND, payload: new TextEncoder().encode(text), author: identity.publicKey, timestamp: Date.now() }))
    const bytes = encodeEnvelope(envelope)
    this.#remember(lineId(envelope), bytes)
    try {
      await this.#node.net.publish(this.#topic, bytes)
      this.#out.event('published', { topic: this.#topic, text }, `> ${text}`)
    } catch (err) {
      this.#out.event('publish-failed', { topic: this.#topic, error: (err as Error).message }, `could not publish: ${(err as Error).message}`)
    }
  }

  /** A message the topic's validator has opened: its signature, size and freshness are checked. */
  #receive(from: string, bytes: Uint8Array): 'accept' | 'ignore' {
    const envelope = decodeEnvelope(bytes)
    if (envelope.kind === HISTORY_KIND) {
      this.#receiveHistory(from, envelope.payload)
      return 'accept'
    }
    if (envelope.kind !== TEXT_KIND) return 'ignore'
    if (!this.#remember(lineId(envelope), bytes)) return 'accept'
    this.#show(from, envelope.author, envelope.payload, false)
    return 'accept'
  }

  /** Shows the lines of a relayed history not seen before; a forged or malformed line costs the relay. */
  #receiveHistory(from: string, payload: Uint8Array): void {
    const decoder = new FrameDecoder()
    const lines = decoder.push(payload)
    decoder.finish()
    for (const bytes of lines) {
      // A line seen already is skipped unverified (its id covers the signature that was checked); any other is opened,
      // and a bad one throws, which refuses the history.
      if (this.#seen.get(lineId(decodeEnvelope(bytes))) !== undefined) continue
      const { envelope, id } = openEnvelope(bytes)
      if (envelope.kind !== TEXT_KIND) continue
      this.#remember(id, bytes)
      this.#show(from, envelope.author, envelope.payload, true)
    }
  }

  #show(from: string, authorKey: Uint8Array, payload: Uint8Array, relayed: boolean): void {
    const text = new TextDecoder().decode(payload)
    // `from` relayed it; the author signed it, and is who wrote it.
    const author = peerIdOfPublicKey(authorKey).toString()
    const mark = relayed ? ' (relayed after a partition: untrusted)' : ''
    this.#out.event('message', { topic: this.#topic, from, author, text, relayed }, `[${this.#topic}] ${author.slice(-8)}: ${text}${mark}`)
  }

  /** Records a line as seen and keeps it for relaying; false when it was seen before. */
  #remember(id: string, bytes: Uint8Array): boolean {
    if (this.#seen.get(id) !== undefined) return false
    this.#seen.set(id, true)
    this.#history.push(bytes)
    if (this.#history.length > HISTORY_LINES) this.#history.shift()
    return true
  }

  async #relayHistory(): Promise<void> {
    if (this.#history.length === 0) return
    const { identity } = this.#node
    const frames: Uint8Array[] = []
    let size = 0
    for (let i = this.#history.length - 1; i >= 0 && size + this.#history[i]!.length + 4 <= HISTORY_BYTES; i--) {
      frames.unshift(encodeFrame(this.#history[i]!))
      size += frames[0]!.length
    }
    const payload = joinBytes(frames)
    const history = signEnvelope(identity, createEnvelope({ kind: HISTORY_KIND, payload, author: identity.publicKey, timestamp: Date.now() }))
    try {
      await this.#node.net.publish(this.#topic, encodeEnvelope(history))
      this.#out.event('history-relayed', { topic: this.#topic, lines: frames.length }, `relayed the last ${frames.length} line(s) to the peers on ${this.#topic}`)
    } catch (err) {
      // Nobody on the topic yet is no failure: the next peer to connect brings another chance.
      this.#out.event('relay-failed', { topic: this.#topic, error: (err as Error).message }, `could not relay the history: ${(err as Error).message}`)
    }
  }
}

/** Reports how many peers share `topic` each time that number changes. */
export function reportTopicPeers(node: DscsNode, topic: string, out: Output): void {
  let lastCount = -1
  const poll = setInterval(() => {
    const count = node.net.topicPeers(topic).length
    if (count !== lastCount) out.event('topic-peers', { topic, count }, `${count} peer(s) on ${topic}`)
    lastCount = count
  }, 200)
  poll.unref()
}
