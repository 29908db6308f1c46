// A refutation keeps travelling after its gossip ran out: a member that missed it (a lost message) and hears the old
// suspicion late must still learn the new incarnation before its suspicion ends, or it declares a live member down.
// Seen in the false-positive benchmark at 5% loss (seed 8005): every view but one had the refutation; that one kept
// the suspicion for its whole 24 periods and declared the member down.
import { describe, expect, it } from 'vitest'
import { signEnvelope } from '@dscs/identity'
import { joinBytes } from '@dscs/interface'
import { createEnvelope, decodeEnvelope, decodePayload, encodeEnvelope, encodePayload } from '@dscs/wire'
import { MESSAGE_TYPES, SwimCore, SwimPayload, UPDATE_STATES, signAlive } from '../src/index.js'
import { identityOf } from './cluster.js'

const NOW = 1_700_000_000_000
const PERIOD = 1_000
const SIZE = 50
const peers = Array.from({ length: SIZE }, (_, index) => `peer-${index}`)
const members = peers.map((peer, index) => ({ peer, publicKey: identityOf(index).publicKey }))
const REFUTER = 5

/** Periods (from the refutation) at which each message peer-0 sent carried the refuter's new alive update. */
function carriedAt(periods: number): { carried: number[]; sent: number } {
  let counter = 0
  const randomBytes = (length: number): Uint8Array => new Uint8Array(length).map(() => counter++ & 0xff)
  // Nobody answers this lone core: without Lifeguard its periods stay one period long.
  const core = new SwimCore({ identity: identityOf(0), self: peers[0]!, randomBytes, members, lifeguard: false })
  core.start(NOW)
  const refutation = signAlive(identityOf(REFUTER), peers[REFUTER]!, 2)
  const payload = encodePayload(SwimPayload, { type: MESSAGE_TYPES.ping, seq: 1, target: '', updates: [refutation] })
  const from = identityOf(1)
  core.receive(peers[1]!, encodeEnvelope(signEnvelope(from, createEnvelope({ kind: SwimPayload.name, payload, author: from.publicKey, timestamp: NOW }))), NOW)
  const carried: number[] = []
  let sent = 0
  for (let now = NOW; now < NOW + periods * PERIOD; now = Math.max(now + 1, core.nextDeadline() ?? now + PERIOD)) {
    for (const effect of core.tick(now)) {
      if (effect.type !== 'send') continue
      sent++
      const { updates } = decodePayload(decodeEnvelope(joinBytes(effect.bytes)), SwimPayload)
      if (updates.some((u) => u.member === peers[REFUTER] && u.incarnation === 2 && u.state === UPDATE_STATES.alive)) carried.push((now - NOW) / PERIOD)
    }
  }
  return { carried, sent }
}

describe('a refutation after its gossip ran out', { timeout: 60_000 }, () => {
  it('rides every other message until the longest suspicion has passed, then only its turn of the anti-entropy', () => {
    // At 50 members the longest suspicion is 3 · 4 · log10(51) ≈ 20.5 periods; the gossip's retransmits end well before.
    const { carried, sent } = carriedAt(45)
    expect(sent).toBeGreaterThan(100)
    const between = (from: number, to: number) => carried.filter((period) => period >= from && period < to).length
    // Periods 12–20: past the gossip's retransmits, inside the longest suspicion — every period, or more.
    expect(between(12, 20)).toBeGreaterThanOrEqual(8)
    // Periods 24–44: past it, only its turn of the anti-entropy over 49 members (about every third period here).
    expect(between(24, 44)).toBeLessThanOrEqual(10)
  })
})
