import type { Output } from '../output.js'

/** One event the node reported: what `--json` prints, with when it happened. */
export interface NodeEvent {
  readonly event: string
  readonly at: number
  readonly [field: string]: unknown
}

/** How many recent events a new WebSocket client is sent first, so the dashboard starts with some history. */
const RECENT_EVENTS = 100

/**
 * The node's events for its API's live clients: the recent ones in a bounded
 * ring, and every new one handed to each subscriber as it happens.
 */
export class EventHub {
  readonly #recent: NodeEvent[] = []
  readonly #subscribers = new Set<(event: NodeEvent) => void>()
  /** Events published since the start. */
  count = 0

  publish(name: string, fields: Record<string, unknown>): void {
    this.count++
    const event: NodeEvent = { event: name, at: Date.now(), ...fields }
    this.#recent.push(event)
    if (this.#recent.length > RECENT_EVENTS) this.#recent.shift()
    for (const subscriber of this.#subscribers) subscriber(event)
  }

  recent(): readonly NodeEvent[] {
    return this.#recent
  }

  subscribe(subscriber: (event: NodeEvent) => void): () => void {
    this.#subscribers.add(subscriber)
    return () => this.#subscribers.delete(subscriber)
  }
}

/** An output that also publishes every event to `hub`: the terminal and the API see the same events. */
export function teeOutput(out: Output, hub: EventHub): Output {
  return {
    event(name, fields, human) {
      out.event(name, fields, human)
      hub.publish(name, fields)
    }
  }
}
