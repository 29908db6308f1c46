// Hostile input to one core: garbage, forged and mis-keyed updates, suspicions of the future, floods of suspicions.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { signEnvelope, type Identity } from '@dscs/identity'
import type { CoreEffect } from '@dscs/interface'
import { createEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { MESSAGE_TYPES, RelayedPayload, SwimCore, SwimPayload, signAlive, signSuspicion, type SwimEvent, type UpdatePayload } from '../src/index.js'
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

/** A suspicion of member `index` by `accuser`, signed by `signer` (the accuser, unless forged). */
function suspicion(index: number, incarnation = 0, accuser = MALLORY, signer = accuser): UpdatePayload {
  return { ...signSuspicion(identityOf(signer), peers[accuser]!, peers[index]!, identityOf(index).publicKey, incarnation) }
}

function penalties(effects: CoreEffect<SwimEvent>[]): string[] {
  return effects.flatMap((effect) => (effect.type === 'penalise' ? [effect.error.code] : []))
}

const snapshot = (core: SwimCore) => core.members().map(({ peer, state, incarnation, publicKey }) => [peer, state, incarnation, [...publicKey].join()])

describe('hostile input', { timeout: 30_000 }, () => {
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

  it('holds a member known from the start by its own signed update at incarnation 0, checked once: a forged one before it is refused', () => {
    const core = victim()
    const forged = { ...signAlive(identityOf(MALLORY), peers[2]!, 0), publicKey: identityOf(2).publicKey }
    expect(penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [forged]), NOW))).toEqual(['FORGED_UPDATE'])
    expect(penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [signAlive(identityOf(2), peers[2]!, 0)]), NOW + 1))).toEqual([])
    // Held now: a stale copy, forged or not, costs no signature check.
    expect(penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [forged], MESSAGE_TYPES.ping, NOW + 2), NOW + 2))).toEqual([])
    expect(core.members().find((m) => m.peer === peers[2])).toMatchObject({ state: 'alive', incarnation: 0 })
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

  describe('membership updates count only for the member that signed them', () => {
    const state = (core: SwimCore, index: number) => core.members().find((m) => m.peer === peers[index])

    it('an alive update is taken only when signed by the member it is about; a forged one is refused and its sender penalised', () => {
      fc.assert(
        fc.property(fc.integer({ min: 2, max: SIZE - 1 }), fc.integer({ min: 0, max: SIZE - 1 }), fc.integer({ min: 1, max: 9 }), (member, signer, incarnation) => {
          const core = victim()
          const update = { ...signAlive(identityOf(signer), peers[member]!, incarnation), publicKey: identityOf(member).publicKey }
          const codes = penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [update]), NOW))
          if (signer === member) {
            expect(codes).toEqual([])
            expect(state(core, member)).toMatchObject({ state: 'alive', incarnation })
          } else {
            expect(codes).toEqual(['FORGED_UPDATE'])
            expect(state(core, member)).toMatchObject({ state: 'alive', incarnation: 0 })
          }
        }),
        { numRuns: 100 }
      )
    })

    it('a suspicion is taken only when signed by the accuser it names; a forged one is refused and its sender penalised', () => {
      fc.assert(
        fc.property(fc.integer({ min: 2, max: SIZE - 1 }), fc.integer({ min: 1, max: SIZE - 1 }), fc.integer({ min: 1, max: SIZE - 1 }), (member, accuser, signer) => {
          fc.pre(accuser !== member)
          const core = victim()
          const codes = penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [suspicion(member, 0, accuser, signer)]), NOW))
          expect(codes).toEqual(signer === accuser ? [] : ['FORGED_SUSPICION'])
          expect(state(core, member)!.state).toBe(signer === accuser ? 'suspect' : 'alive')
        }),
        { numRuns: 100 }
      )
    })

    it('forged accusers do not shorten a suspicion; accusers who signed do', () => {
      // Three victims run the same periods; each hears Mallory's genuine suspicion of peer-5, then three more accusers.
      async function downAt(confirmations: 'none' | 'forged' | 'signed'): Promise<number> {
        const core = victim()
        core.receive(peers[MALLORY]!, message(identityOf(MALLORY), [suspicion(5)]), NOW)
        const others = [6, 7, 8].map((accuser) => suspicion(5, 0, accuser, confirmations === 'forged' ? MALLORY : accuser))
        if (confirmations !== 'none') {
          const codes = penalties(core.receive(peers[MALLORY]!, message(identityOf(MALLORY), others, MESSAGE_TYPES.ping, NOW + 1), NOW + 1))
          expect(codes).toEqual(confirmations === 'forged' ? ['FORGED_SUSPICION'] : [])
        }
        for (let now = NOW; now < NOW + 200_000; now += 100) {
          if (core.tick(now).some((effect) => effect.type === 'emit' && effect.event.type === 'member-down' && effect.event.peer === peers[5])) return now - NOW
        }
        return Infinity
      }
      return Promise.all([downAt('none'), downAt('forged'), downAt('signed')]).then(([none, forged, signed]) => {
        expect(forged).toBe(none)
        expect(signed).toBeLessThan(none)
      })
    })

    it('bounds floods of genuinely signed suspicions from many accusers: at most maxNewSuspicions new ones per sender per period', () => {
      const flood = fc.array(
        fc.array(fc.tuple(fc.integer({ min: 2, max: SIZE - 1 }), fc.integer({ min: 1, max: SIZE - 1 })), { minLength: 1, maxLength: 8 }),
        { minLength: 1, maxLength: 8 }
      )
      // Signed once each: the property is about counting, not signing.
      const signed = new Map<string, UpdatePayload>()
      const signedSuspicion = (member: number, accuser: number) => {
        const key = `${member}/${accuser}`
        if (!signed.has(key)) signed.set(key, suspicion(member, 0, accuser))
        return signed.get(key)!
      }
      fc.assert(
        fc.property(fc.array(flood, { minLength: 1, maxLength: 3 }), (periods) => {
          const core = victim()
          let timestamp = NOW
          for (const [p, messages] of periods.entries()) {
            core.tick(NOW + p * 1_000)
            let started = 0
            for (const pairs of messages) {
              const updates = pairs.filter(([member, accuser]) => member !== accuser).map(([member, accuser]) => signedSuspicion(member, accuser))
              timestamp += 1
              const effects = core.receive(peers[MALLORY]!, message(identityOf(MALLORY), updates, MESSAGE_TYPES.ack, timestamp), NOW + p * 1_000)
              started += effects.filter((effect) => effect.type === 'emit' && effect.event.type === 'member-suspect').length
              expect(penalties(effects).every((code) => code === 'SUSPICION_FLOOD')).toBe(true)
            }
            expect(started).toBeLessThanOrEqual(4)
          }
        }),
        { numRuns: 30 }
      )
    })
  })

  describe('relayed data', () => {
    const SELF = peers[0]!
    function relayed(author: number, fields: { origin: string; target: string; relay: string; data?: Uint8Array }, timestamp = NOW): Uint8Array {
      const payload = encodePayload(RelayedPayload, { data: new Uint8Array([1, 2, 3]), ...fields })
      const identity = identityOf(author)
      return encodeEnvelope(signEnvelope(identity, createEnvelope({ kind: RelayedPayload.name, payload, author: identity.publicKey, timestamp })))
    }
    const kinds = (effects: CoreEffect<SwimEvent>[]) => effects.map((effect) => (effect.type === 'emit' ? effect.event.type : effect.type))

    it('forwards only what the origin itself handed it, unchanged, to a member; delivers only what is addressed to it', () => {
      const core = victim()
      const bytes = relayed(2, { origin: peers[2]!, target: peers[3]!, relay: SELF })
      expect(core.receive(peers[2]!, bytes, NOW)).toEqual([
        { type: 'send', to: peers[3], bytes },
        { type: 'emit', event: { type: 'relayed', from: peers[2], to: peers[3] } }
      ])
      expect(kinds(core.receive(peers[4]!, relayed(2, { origin: peers[2]!, target: SELF, relay: peers[4]! }), NOW))).toEqual(['message'])
      expect(kinds(core.receive(peers[2]!, relayed(2, { origin: peers[2]!, target: SELF, relay: '' }, NOW + 1), NOW))).toEqual(['message'])
    })

    it('refuses a second hop, a stranger, a foreign key and a flood', () => {
      const core = victim()
      // Handed over by someone other than its origin: a second hop.
      expect(penalties(core.receive(peers[MALLORY]!, relayed(2, { origin: peers[2]!, target: peers[3]!, relay: SELF }), NOW))).toEqual(['BAD_RELAY'])
      // Claims to come through a relay other than the one handing it over.
      expect(penalties(core.receive(peers[MALLORY]!, relayed(2, { origin: peers[2]!, target: SELF, relay: peers[4]! }, NOW + 1), NOW))).toEqual(['BAD_RELAY'])
      expect(penalties(core.receive(peers[MALLORY]!, relayed(MALLORY, { origin: peers[MALLORY]!, target: 'stranger', relay: SELF }), NOW))).toEqual(['BAD_RELAY'])
      expect(penalties(core.receive(peers[MALLORY]!, relayed(MALLORY, { origin: peers[2]!, target: peers[3]!, relay: SELF }, NOW + 2), NOW))).toEqual(['KEY_MISMATCH'])
      const codes: string[] = []
      for (let i = 0; i < 40; i++) codes.push(...penalties(core.receive(peers[MALLORY]!, relayed(MALLORY, { origin: peers[MALLORY]!, target: peers[3]!, relay: SELF }, NOW + 10 + i), NOW)))
      expect(codes).toEqual(Array(40 - 16).fill('RELAY_FLOOD'))
    })

    it('arbitrary relayed messages never throw, never take two hops, and are forwarded only for their origin', () => {
      const who = fc.constantFrom(...peers.slice(0, 6), 'stranger')
      fc.assert(
        fc.property(fc.nat(5), who, who, fc.constantFrom('', ...peers.slice(0, 6)), who, (author, origin, target, relay, from) => {
          const core = victim()
          const effects = core.receive(from, relayed(author, { origin, target, relay }), NOW)
          for (const effect of effects) {
            if (effect.type === 'send') {
              expect([from, relay, peers[author]]).toEqual([origin, SELF, origin])
              expect(effect.to).toBe(target)
              expect(peers).toContain(target)
            }
            if (effect.type === 'emit' && effect.event.type === 'message') {
              expect(target).toBe(SELF)
              expect(peers[author]).toBe(origin)
              expect(relay === '' ? from === origin : from === relay && from !== origin).toBe(true)
            }
          }
        }),
        { numRuns: 300 }
      )
    })
  })
})
