import type { CoreEffect, DscsError, PeerRef, ProtocolCore, ProtocolId } from '@dscs/interface'
import { openEnvelope, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'

export const ECHO: ProtocolId = '/dscs/echo/1.0.0'
export type EchoEvent = { type: 'echoed'; from: PeerRef; text: string } | { type: 'timeout'; peer: PeerRef }

/** A small sans-I/O core: answers requests, reports answers, times out unanswered requests. */
export class EchoCore implements ProtocolCore<EchoEvent> {
  readonly #waiting = new Map<PeerRef, number>()
  constructor(
    readonly identity: Identity,
    readonly cache: VerificationCache
  ) {}

  request(peer: PeerRef, text: string, now: number): CoreEffect<EchoEvent>[] {
    this.#waiting.set(peer, now + 2000)
    return [{ type: 'send', to: peer, bytes: this.#envelope('echo.Request', text, now) }]
  }

  receive(from: PeerRef, bytes: Uint8Array, now: number): CoreEffect<EchoEvent>[] {
    let envelope
    try {
      envelope = openEnvelope(bytes, { now, cache: this.cache }).envelope
    } catch (err) {
      return [{ type: 'penalise', peer: from, error: err as DscsError }]
    }
    const text = new TextDecoder().decode(envelope.payload)
    if (envelope.kind === 'echo.Request') return [{ type: 'send', to: from, bytes: this.#envelope('echo.Reply', text, now) }]
    this.#waiting.delete(from)
    return [{ type: 'emit', event: { type: 'echoed', from, text } }]
  }

  tick(now: number): CoreEffect<EchoEvent>[] {
    const effects: CoreEffect<EchoEvent>[] = []
    for (const [peer, deadline] of this.#waiting) {
      if (deadline > now) continue
      this.#waiting.delete(peer)
      effects.push({ type: 'emit', event: { type: 'timeout', peer } })
    }
    return effects
  }

  nextDeadline(): number | undefined {
    return this.#waiting.size === 0 ? undefined : Math.min(...this.#waiting.values())
  }

  #envelope(kind: string, text: string, now: number): Uint8Array {
    const env = createEnvelope({ kind, payload: new TextEncoder().encode(text), author: this.identity.publicKey, timestamp: Math.floor(now) })
    return encodeEnvelope(signEnvelope(this.identity, env))
  }
}
