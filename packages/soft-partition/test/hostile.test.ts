// Hostile input to one core: garbage, forged and mis-keyed updates, suspicions of the future, floods of suspicions.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { signEnvelope, type Identity } from '@dscs/identity'
import type { CoreEffect } from '@dscs/interface'
import { createEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { MESSAGE_TYPES, SwimCore, SwimPayload, UPDATE_STATES, signAlive, type SwimEvent, type UpdatePayload } from '../src/index.js'
import { identityOf } from './cluster.js'

const NOW = 1_700_000_000_000
const SIZE = 12
const peers = Array.from({ length: SIZE }, (_, index) => `peer-${index}`)
const members = peers.map((peer, index) => ({ peer, publicKey: identityOf(index).publicKey }))
const MALLORY = 1

function victim(): SwimCore {
  let counter = 0
  const randomBytes = (length: number): Uint8Array => new Uint8Array(length).map(() => counter++ & 0xff)
  const core = new SwimCore({ identity: identityOf(0), self: peers[0]!, randomBytes, members, maxNewSuspicions: 4 })
  core.start(NOW)
  return core
}

/** A Swim message `identity` signed, carrying `updates`. */
function message(identity: Identity, updates: UpdatePayload[], type: number = MESSAGE_TYPES.ping, timestamp = NOW): Uint8Array {
  const payload = encodePayload(SwimPayload, { type, seq: 7, target: '', updates })
  return encodeEnvelope(signEnvelope(identity, createEnvelope({ kind: SwimPayload.name, payload, author: identity.publicKey, timestamp })))
}

function suspicion(index: number, incarnation = 0): UpdatePayload {
  return { member: peers[index]!, publicKey: identityOf(index).publicKey, incarnation, state: UPDATE_STATES.suspect, signature: new Uint8Array(0), accuser: peers[MALLORY]! }
}

function penalties(effects: CoreEffect<SwimEvent>[]): string[] {
  return effects.flatMap((effect) => (effect.type === 'penalise' ? [effect.error.code] : []))
}

const snapshot = (core: SwimCore) => core.members().map(({ peer, state, incarnation, publicKey }) => [peer, state, incarnation, [...publicKey].join()])

describe('hostile input', () => {
  it('garbage bytes never throw, only penalise, and change no member', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const core = victim()
        const before = snapshot(core)
        const effects = core.receive(peers[MALLORY]!, bytes, NOW)
        expect(effects.every((effect) => effect.type === 'penalise')).toBe(true)
        expect(snapshot(core)).toEqual(before)
      })
    )
  })

  it('signed messages with arbitrary updates never throw and never rebind a key or raise an incarnation without the member', () => {
    const update = fc.record({
      member: fc.constantFrom(...peers, 'stranger', ''),
      publicKey: fc.oneof(fc.constantFrom(...members.map((m) => m.publicKey)), fc.uint8Array({ minLength: 0, maxLength: 40 })),
      incarnation: fc.nat(5),
      state: fc.nat(2),
      signature: fc.uint8Array({ minLength: 0, maxLength: 64 }),
      accuser: fc.constantFrom('', peers[MALLORY]!, 'x')
    })
    fc.assert(
      fc.property(fc.array(update, { maxLength: 10 }), fc.nat(5), (updates, type) => {
        const core = victim()
        let bytes: Uint8Array
        try {
          bytes = message(identityOf(MALLORY), updates, type)
        } catch {
          return // refused already by the encoder: the payload's own checks
        }
        core.receive(peers[MALLORY]!, bytes, NOW)
        for (const [index, member] of core.members().entries()) {
          expect(member.publicKey).toEqual(members[index + 1]!.publicKey)
          // Only a member's own signature raises its incarnation; Mallory signs only for herself.
          if (member.peer !== peers[MALLORY]) expect(member.incarnation).toBe(0)
        }
      }),
      { numRuns: 200 }
    )
  })

  it('refuses an alive update not signed by its member, or binding it to a foreign key', () => {
    const core = victim()
    const forged = { ...signAlive(identityOf(MALLORY), peers[2]!, 9), publicKey: identityOf(2).publicKey }
    expect(penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [forged]), NOW))).toEqual(['FORGED_UPDATE'])
    const rebound = signAlive(identityOf(MALLORY), peers[2]!, 9)
    expect(penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [rebound]), NOW + 1))).toEqual(['KEY_MISMATCH'])
    expect(core.members().find((m) => m.peer === peers[2])).toMatchObject({ state: 'alive', incarnation: 0 })
    // The member's own update at a higher incarnation is taken, whoever relays it.
    const genuine = signAlive(identityOf(2), peers[2]!, 9)
    expect(penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [genuine]), NOW + 2))).toEqual([])
    expect(core.members().find((m) => m.peer === peers[2])).toMatchObject({ state: 'alive', incarnation: 9 })
  })

  it('refuses a message signed with a key other than its sender’s', () => {
    const core = victim()
    expect(penalties(core.receive(peers[3]!, message(identityOf(MALLORY), []), NOW))).toEqual(['KEY_MISMATCH'])
  })

  it('refuses a suspicion of an incarnation the member never announced', () => {
    const core = victim()
    expect(penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [suspicion(4, 3)]), NOW))).toEqual(['FUTURE_INCARNATION'])
    expect(core.members().every((m) => m.state === 'alive')).toBe(true)
  })

  it('bounds a flood of suspicions: at most maxNewSuspicions per sender per period, the rest refused and penalised', () => {
    const core = victim()
    const codes: string[] = []
    for (let round = 0; round < 20; round++) {
      const updates = Array.from({ length: 8 }, (_, i) => suspicion(2 + ((round * 8 + i) % (SIZE - 2))))
      codes.push(...penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), updates, MESSAGE_TYPES.ack, NOW + round), NOW + round)))
    }
    expect(core.members().filter((m) => m.state === 'suspect')).toHaveLength(4)
    expect(codes.length).toBeGreaterThan(0)
    expect(new Set(codes)).toEqual(new Set(['SUSPICION_FLOOD']))
  })

  it('refutes a suspicion of itself with a higher incarnation, signed by itself', () => {
    const core = victim()
    const effects = core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [suspicion(0)]), NOW)
    expect(effects).toContainEqual({ type: 'emit', event: { type: 'refuted', incarnation: 1 } })
    expect(core.incarnation).toBe(1)
  })
})
