import { generateIdentity } from '@dscs/identity'
import { DscsCodedError, type EnvelopeAdmission, type TopicAdmission } from '@dscs/interface'
import { decodeEnvelope, encodeEnvelope, signingBytes } from '@dscs/wire'
import { describe, expect, it } from 'vitest'
import type { DscsNode } from '../src/node/index.js'
import { envelopeBytes, nodesStoppedAfterEach, pubsubOf, startNodes, waitFor, waitForSubscribers } from './helpers.js'

const TOPIC = 'test/admitted'
const running = nodesStoppedAfterEach()

class SpamError extends DscsCodedError<'SPAM'> {}

/** A victim whose topic has `check` as admission, connected to an attacker and an honest node; what it delivers, by kind. */
async function threeOnTopic(offThreadAbove: number, check: TopicAdmission) {
  const nodes = await startNodes(3, { net: { offThreadAbove } })
  running.push(...nodes)
  const [victim, attacker, honest] = nodes as [DscsNode, DscsNode, DscsNode]
  const delivered: string[] = []
  victim.net.admit(TOPIC, check)
  victim.net.subscribe(TOPIC, ({ bytes }) => {
    delivered.push(decodeEnvelope(bytes).kind)
    return 'accept'
  })
  attacker.net.subscribe(TOPIC, () => 'accept')
  honest.net.subscribe(TOPIC, () => 'accept')
  await waitForSubscribers(nodes, TOPIC, 1)
  return { victim, attacker, honest, delivered }
}

// Inline verification when quiet, and the thread-pool path taken under load (forced): the check runs in both.
describe.each([
  { mode: 'inline', offThreadAbove: Infinity },
  { mode: 'thread pool', offThreadAbove: 0 }
])('admission checks on a topic, verified $mode', ({ offThreadAbove }) => {
  it('run before the signature: a forged envelope the check refuses is refused with its code, the relay scored below zero', async () => {
    const seen: EnvelopeAdmission[] = []
    const { victim, attacker, honest, delivered } = await threeOnTopic(offThreadAbove, (envelope) => {
      seen.push(envelope)
      if (envelope.kind === 'test.Spam') throw new SpamError('SPAM', 'no spam here')
    })

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

  it('give a stamped envelope an id of its own: a copy a relay stripped of its stamp is refused and does not shadow the genuine one', async () => {
    const { victim, attacker, honest, delivered } = await threeOnTopic(offThreadAbove, (envelope) => {
      if (envelope.stamp === undefined) throw new SpamError('SPAM', 'this topic takes stamped envelopes only')
    })

    const genuine = encodeEnvelope({ ...decodeEnvelope(envelopeBytes(honest.identity, 'stamped')), stamp: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) })
    const stripped = encodeEnvelope({ ...decodeEnvelope(genuine), stamp: undefined })
    await pubsubOf(attacker).publish(TOPIC, stripped)
    await waitFor(() => victim.net.penalties(attacker.peerId).total > 0, 'the stripped copy to be refused')
    await pubsubOf(honest).publish(TOPIC, genuine)
    await waitFor(() => delivered.length > 0, 'the genuine, stamped envelope')
    expect(delivered).toEqual(['test.Message'])
  })
})
