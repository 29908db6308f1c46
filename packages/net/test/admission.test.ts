import { generateIdentity } from '@dscs/identity'
import { DscsCodedError, type EnvelopeAdmission } from '@dscs/interface'
import { decodeEnvelope, encodeEnvelope, signingBytes } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import type { DscsNode } from '../src/node/index.js'
import { envelopeBytes, nodesStoppedAfterEach, pubsubOf, startNodes, waitFor, waitForSubscribers } from './helpers.js'

const TOPIC = 'test/admitted'
const running = nodesStoppedAfterEach()

class SpamError extends DscsCodedError<'SPAM'> {}

// Inline verification when quiet, and the thread-pool path taken under load (forced): the check runs in both.
describe.each([
  { mode: 'inline', offThreadAbove: Infinity },
  { mode: 'thread pool', offThreadAbove: 0 }
])('admission checks on a topic, verified $mode', ({ offThreadAbove }) => {
  it('run before the signature: a forged envelope the check refuses is refused with its code, the relay scored below zero', async () => {
    const nodes = await startNodes(3, { net: { offThreadAbove } })
    running.push(...nodes)
    const [victim, attacker, honest] = nodes as [DscsNode, DscsNode, DscsNode]
    const seen: EnvelopeAdmission[] = []
    const delivered: string[] = []
    victim.net.admit(TOPIC, (envelope) => {
      seen.push(envelope)
      if (envelope.kind === 'test.Spam') throw new SpamError('SPAM', 'no spam here')
    })
    victim.net.subscribe(TOPIC, ({ bytes }) => {
      delivered.push(decodeEnvelope(bytes).kind)
      return 'accept'
    })
    attacker.net.subscribe(TOPIC, () => 'accept')
    honest.net.subscribe(TOPIC, () => 'accept')
    await waitForSubscribers(nodes, TOPIC, 1)

    // Spam with a forged author: the check refuses it before its bad signature is ever looked at.
    const forged = encodeEnvelope({ ...decodeEnvelope(envelopeBytes(attacker.identity, 'x', { kind: 'test.Spam' })), author: generateIdentity().publicKey })
    await pubsubOf(attacker).publish(TOPIC, forged)
    await waitFor(() => victim.net.penalties(attacker.peerId).total > 0, 'the check to refuse it')
    expect([...victim.net.penalties(attacker.peerId).byCode]).toEqual([['SPAM', 1]])
    await waitFor(() => victim.net.gossipScore(attacker.peerId) < 0, "the attacker's gossipsub score to fall below zero")

    const message = envelopeBytes(honest.identity, 'fine')
    await honest.net.publish(TOPIC, message)
    await waitFor(() => delivered.length > 0, 'the honest message')
    expect(delivered).toEqual(['test.Message'])
    const last = seen.at(-1)!
    expect(last).toMatchObject({ topic: TOPIC, from: honest.peerId, kind: 'test.Message', stamp: undefined })
    expect([...last.signingBytes]).toEqual([...signingBytes(decodeEnvelope(message))])
    expect([...last.author]).toEqual([...honest.identity.publicKey])
  })
})
