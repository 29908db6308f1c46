/**
 * RTT from timestamps piggybacked on other protocols' traffic: a request
 * carries `stamp(peer, now)`, the answer echoes it back, and `echoed` turns
 * the echo into an RTT sample (request to answer, the peer's handling
 * included). Only timestamps this node stamped for that peer are accepted,
 * each once, so a peer cannot make itself look closer by echoing a later
 * time. Bounded: a few outstanding stamps per peer, a bounded set of peers.
 */
export class EchoTimestamps {
  readonly #maxPeers: number
  readonly #perPeer: number
  readonly #maxRtt: number
  readonly #outstanding = new Map<string, number[]>()

  constructor(options: { readonly maxPeers: number; readonly perPeer?: number; readonly maxRtt: number }) {
    this.#maxPeers = options.maxPeers
    this.#perPeer = options.perPeer ?? 8
    this.#maxRtt = options.maxRtt
  }

  /** The timestamp to put on a message to `peer`: `now`, whole milliseconds. */
  stamp(peer: string, now: number): number {
    const timestamp = Math.floor(now)
    let stamps = this.#outstanding.get(peer)
    if (stamps === undefined) {
      if (this.#outstanding.size >= this.#maxPeers) this.#outstanding.delete(this.#outstanding.keys().next().value!)
      stamps = []
      this.#outstanding.set(peer, stamps)
    }
    stamps.push(timestamp)
    if (stamps.length > this.#perPeer) stamps.shift()
    return timestamp
  }

  /** The RTT an echo of `timestamp` from `peer` shows, or undefined when this node did not stamp it for `peer` (or it is stale). */
  echoed(peer: string, timestamp: number, now: number): number | undefined {
    const stamps = this.#outstanding.get(peer)
    const at = stamps?.indexOf(timestamp) ?? -1
    if (stamps === undefined || at < 0) return undefined
    stamps.splice(at, 1)
    const rtt = now - timestamp
    return rtt >= 0 && rtt <= this.#maxRtt ? rtt : undefined
  }
}
