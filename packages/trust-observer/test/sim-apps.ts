// The services of this package as applications of simulated peers (@dscs/netsim), run by the same code as on
// libp2p: an observer, clients and witnesses, each with its node's store, clock and timers.
import { VerificationCache, type Identity } from '@dscs/identity'
import type { SimPeer } from '@dscs/netsim'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { ClientService, ObserverService, type ClientEvent, type ClientInit, type ObserverInit, type ObserverServiceEvent, type TrustObserverComponents } from '../src/index.js'
import { identity, OBSERVER } from './fixtures.js'

export function components(peer: SimPeer, who: Identity): TrustObserverComponents {
  return { net: peer.net, identity: who, clock: peer.clock, timers: peer.timers, store: peer.store, verificationCache: new VerificationCache() }
}

/** An honest observer on `peer`; signatures checked inline, as thread-pool callbacks would land outside virtual time. */
export function observerApp(peer: SimPeer, init: ObserverInit = {}, who: Identity = OBSERVER) {
  const service = new ObserverService(components(peer, who), { parallelVerify: false, ...init })
  const events: ObserverServiceEvent[] = []
  service.onEvent((event) => events.push(event))
  void service.start().then(() => service.afterStart())
  return { service, events }
}

/** A client (or, with `cosign`, a witness) of the observer on peer `observerPeer`; its identity is named after its peer. */
export function clientApp(peer: SimPeer, observerPeer: string, init: Partial<ClientInit> = {}) {
  const who = identity(peer.id)
  const service = new ClientService(components(peer, who), { pollInterval: 1_000, observer: { publicKey: OBSERVER.publicKey, peer: observerPeer }, ...init })
  const events: { at: number; event: ClientEvent }[] = []
  service.onEvent((event) => events.push({ at: peer.clock.now(), event }))
  void service.start().then(() => service.afterStart())
  let seq = 0
  /** Signs a fresh op as this client and submits it; the receipt (or the error) lands in `outcomes`. */
  const outcomes: { id?: string; index?: number; error?: string }[] = []
  const submit = (payload = new Uint8Array([seq & 255])): Uint8Array => {
    const bytes = encodeEnvelope(signEnvelope(who, createEnvelope({ kind: 'test.Op', payload, author: who.publicKey, timestamp: Math.floor(peer.clock.now()), seq: seq++ })))
    const outcome: (typeof outcomes)[number] = {}
    outcomes.push(outcome)
    service.submit(bytes).then(
      (receipt) => Object.assign(outcome, { index: receipt.index }),
      (err: unknown) => Object.assign(outcome, { error: (err as { code?: string }).code ?? String(err) })
    )
    return bytes
  }
  const ofType = <T extends ClientEvent['type']>(type: T) => events.filter((e): e is { at: number; event: Extract<ClientEvent, { type: T }> } => e.event.type === type)
  return { service, events, outcomes, submit, ofType, identity: who }
}

export type ClientApp = ReturnType<typeof clientApp>
