import { generateIdentity } from '@dscs/identity'
import { decodeEnvelope, encodeEnvelope } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import type { DscsNode } from '../src/node/index.js'
import { envelopeBytes, nodesStoppedAfterEach, pubsubOf, startNodes, waitFor, waitForSubscribers } from './helpers.js'

const TOPIC = 'test/hostile'
const running = nodesStoppedAfterEach()

/** The hostile payloads, made by the attacker node; each must be refused with `code`. */
const hostile: { name: string; code: string; make: (attacker: DscsNode) => Uint8Array }[] = [
  {
    name: 'forged (another author, attacker signature)',
    code: 'BAD_SIGNATURE',
    make: (attacker) => encodeEnvelope({ ...decodeEnvelope(envelopeBytes(attacker.identity, 'x')), author: generateIdentity().publicKey })
  },
  {
    name: 'unsigned (zero signature)',
    code: 'BAD_SIGNATURE',
    make: (attacker) => encodeEnvelope({ ...decodeEnvelope(envelopeBytes(attacker.identity, 'x')), signature: new Uint8Array(64) })
  },
  {
    name: 'replayed (captured a minute ago)',
    code: 'OUTSIDE_WINDOW',
    make: (attacker) => envelopeBytes(attacker.identity, 'old news', { timestamp: Date.now() - 60_000 })
  },
  {
    name: 'oversized',
    code: 'TOO_LARGE',
    make: (attacker) => envelopeBytes(attacker.identity, 'big', { payload: new Uint8Array(8192) })
  },
  { name: 'malformed', code: 'MALFORMED', make: () => new Uint8Array([0x0a, 0xff, 0xff, 0x01]) }
]

// Inline verification when quiet (the default here), and the thread-pool path taken under load (forced).
const modes = [
  { mode: 'inline', offThreadAbove: Infinity, cases: hostile },
  { mode: 'thread pool', offThreadAbove: 0, cases: hostile.filter((h) => h.code === 'BAD_SIGNATURE' || h.code === 'TOO_LARGE') }
]

describe.each(modes)('hostile envelopes on a topic, verified $mode', ({ offThreadAbove, cases }) => {
  it.each(cases)('$name: rejected by the validator, never delivered, the sender scored below zero', async ({ code, make }) => {
    // [victim, attacker, honest]; the victim accepts envelopes up to 4 KiB.
    const nodes = await startNodes(3, { net: { limits: { maxEnvelopeBytes: 4096 }, offThreadAbove } })
    running.push(...nodes)
    const [victim, attacker, honest] = nodes as [DscsNode, DscsNode, DscsNode]
    const delivered: string[] = []
    victim.net.subscribe(TOPIC, ({ from }) => {
      delivered.push(from)
      return 'accept'
    })
    attacker.net.subscribe(TOPIC, () => 'accept')
    honest.net.subscribe(TOPIC, () => 'accept')
    await waitForSubscribers(nodes, TOPIC, 1)

    // The attacker bypasses its own Net and publishes raw bytes through gossipsub.
    await pubsubOf(attacker).publish(TOPIC, make(attacker))
    await waitFor(() => victim.net.penalties(attacker.peerId).total > 0, 'the validator to refuse it')
    expect(victim.net.penalties(attacker.peerId).byCode.get(code)).toBe(1)
    await waitFor(() => victim.net.gossipScore(attacker.peerId) < 0, "the attacker's gossipsub score to fall below zero")

    await honest.net.publish(TOPIC, envelopeBytes(honest.identity, 'still fine'))
    await waitFor(() => delivered.length > 0, 'the honest message')
    expect(delivered).toEqual([honest.peerId])
    expect(victim.net.gossipScore(honest.peerId)).toBeGreaterThanOrEqual(0)
  })
})
