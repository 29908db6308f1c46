import type { DscsNode } from '@dscs/net'

/** How often every connected peer is pinged, and how long a ping may take. */
const PING_INTERVAL_MS = 5_000
const PING_TIMEOUT_MS = 4_000

/**
 * The round-trip time to each connected peer, from libp2p ping every few
 * seconds: what the dashboard colours its edges by. Peers that leave are
 * forgotten, so the map is bounded by the connections.
 */
export class RttMonitor {
  readonly #node: DscsNode
  readonly #rtt = new Map<string, number>()
  readonly #onMeasured: (peer: string, ms: number) => void
  #timer: ReturnType<typeof setInterval> | undefined
  #round: Promise<void> | undefined

  constructor(node: DscsNode, onMeasured: (peer: string, ms: number) => void = () => {}) {
    this.#node = node
    this.#onMeasured = onMeasured
  }

  start(): void {
    this.#timer = setInterval(() => void this.measure(), PING_INTERVAL_MS)
    this.#timer.unref()
    void this.measure()
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  /** Milliseconds to `peer` at the last ping, undefined before one answered. */
  of(peer: string): number | undefined {
    return this.#rtt.get(peer)
  }

  /** Pings every connected peer once (one round at a time). */
  async measure(): Promise<void> {
    this.#round ??= this.#measureAll().finally(() => (this.#round = undefined))
    await this.#round
  }

  async #measureAll(): Promise<void> {
    const peers = this.#node.net.peers()
    for (const known of this.#rtt.keys()) if (!peers.includes(known)) this.#rtt.delete(known)
    await Promise.all(
      peers.map(async (peer) => {
        try {
          const ms = await this.#node.ping(peer, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
          this.#rtt.set(peer, ms)
          this.#onMeasured(peer, ms)
        } catch {
          // A peer that does not answer keeps its last figure until it leaves: the dashboard shows it as it was.
        }
      })
    )
  }
}
