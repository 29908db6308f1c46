import type { MessageVerdict, PeerEvent, PeerRef, ProtocolId } from '@dscs/interface'
import type { SimPeer } from '../src/index.js'

export const PROTO: ProtocolId = '/dscs/test/1.0.0'
export const TOPIC = 'test-topic'

export const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
export const dec = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

export interface Received {
  readonly from: PeerRef
  readonly text: string
  /** Virtual time of delivery (the simulation is built with epochMs: 0). */
  readonly at: number
}

/**
 * A test application that records everything it receives, with the virtual
 * time (tests build their Simulation with `epochMs: 0`, so the clock reads
 * virtual time).
 */
export class Recorder {
  readonly peer: SimPeer
  readonly direct: Received[] = []
  readonly gossip: Received[] = []
  readonly events: (PeerEvent & { readonly at: number })[] = []
  /** What the topic handler answers. */
  verdict: MessageVerdict = 'accept'

  constructor(peer: SimPeer, options: { subscribe?: boolean } = {}) {
    this.peer = peer
    peer.net.handle(PROTO, (m) => {
      this.direct.push({ from: m.from, text: dec(m.bytes), at: peer.clock.now() })
    })
    if (options.subscribe !== false) {
      peer.net.subscribe(TOPIC, (m) => {
        this.gossip.push({ from: m.from, text: dec(m.bytes), at: peer.clock.now() })
        return this.verdict
      })
    }
    peer.net.onPeer((event) => this.events.push({ ...event, at: peer.clock.now() }))
  }

  send(to: PeerRef, text: string): Promise<void> {
    return this.peer.net.send(to, PROTO, enc(text))
  }

  publish(text: string): Promise<void> {
    return this.peer.net.publish(TOPIC, enc(text))
  }
}

/** The number of pairs out of order: 0 for a sorted list. */
export function inversions(values: readonly number[]): number {
  let count = 0
  for (let i = 0; i < values.length; i++) for (let j = i + 1; j < values.length; j++) if (values[i]! > values[j]!) count++
  return count
}
