import { identityFromSeed, type Identity } from '@dscs/identity'
import { joinBytes, type CoreEffect } from '@dscs/interface'
import { bytesToHex } from '@noble/hashes/utils.js'
import { waitFor } from '@dscs/test-support'

/** Every `send` effect's bytes, in order. */
export function sends(effects: readonly CoreEffect<unknown>[]): { to: string; bytes: Uint8Array }[] {
  return effects.flatMap((e) => (e.type === 'send' ? [{ to: e.to, bytes: joinBytes(e.bytes) }] : []))
}

/** The bytes of every `publish` effect, in order. */
export function published(effects: readonly CoreEffect<unknown>[]): Uint8Array[] {
  return effects.flatMap((e) => (e.type === 'publish' ? [e.bytes] : []))
}

/** Each effect as `<peer> <code>` for a penalty, or as its type (an emit as `emit:<event type>`). */
export function outcomes(effects: readonly CoreEffect<unknown>[]): string[] {
  return effects.map((effect) => {
    if (effect.type === 'penalise') return `${effect.peer} ${effect.error.code}`
    if (effect.type === 'emit') return `emit:${(effect.event as { type: string }).type}`
    return effect.type
  })
}

/** The identity of test participant `n` (0-255), the same on every run. */
export function person(n: number): Identity {
  const seed = new Uint8Array(32)
  seed[0] = n & 255
  seed[1] = n >> 8
  seed[31] = 7
  return identityFromSeed(seed)
}

export const hex = (identity: Identity): string => bytesToHex(identity.publicKey)

/** A small seeded pseudo-random generator (mulberry32), for graphs the same on every run. */
export function prng(seed: number): { next: () => number; int: (n: number) => number } {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return { next, int: (n) => Math.floor(next() * n) }
}

export { waitFor }
