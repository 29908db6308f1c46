import type { ChannelBudget } from '@dscs/interface'
import { LruCache } from '@dscs/identity'
import { NetError } from './errors.js'

/** Budgets for what one peer may send on one protocol or topic. */
export interface RationingOptions {
  /** Sustained bytes per second. Default 1 MiB/s. */
  readonly bytesPerSecond: number
  /** Bytes a peer may send at once after being quiet. Default 4 MiB. */
  readonly burstBytes: number
  /** Sustained messages per second. Default 500. */
  readonly messagesPerSecond: number
  /** Messages a peer may send at once after being quiet. Default 1000. */
  readonly burstMessages: number
  /**
   * How long a peer may be held back to keep it within budget: a peer over
   * budget without a break for longer, or by more, is flooding and is
   * disconnected. Default 5 s.
   */
  readonly maxThrottleMs: number
  /** Most peers whose budgets are kept; the least recently active are forgotten. Default 10,000. */
  readonly maxTracked: number
  /** Budgets of named protocols or topics, set by the operator: they win over what a protocol declares. */
  readonly channels: Readonly<Record<string, Partial<ChannelBudget>>>
}

export const DEFAULT_RATIONING: RationingOptions = Object.freeze({
  bytesPerSecond: 1024 * 1024,
  burstBytes: 4 * 1024 * 1024,
  messagesPerSecond: 500,
  burstMessages: 1000,
  maxThrottleMs: 5000,
  maxTracked: 10_000,
  channels: {}
})

/** What to do with one message: deliver it now, after `delayMs`, or drop the peer. */
export type RationingVerdict =
  | { readonly action: 'deliver' }
  | { readonly action: 'delay'; readonly delayMs: number }
  | { readonly action: 'disconnect'; readonly reason: string }

interface Bucket {
  bytes: number
  messages: number
  updatedAt: number
  /** Since when every message has been over budget; undefined while within it. */
  throttledSince: number | undefined
}

/** A peer's buckets, one per channel; channels are the protocols and topics this node serves, so few. */
interface PeerBudget {
  multiplier: number
  readonly channels: Map<string, Bucket>
}

/**
 * Per-peer, per-channel token buckets for bytes and messages, sans-I/O: the
 * caller passes the time. A message that fits the budget is delivered; one
 * that does not is delayed until it would (its cost is taken now, so a peer
 * that keeps sending runs into debt). A peer is flooding, to be disconnected,
 * when its debt exceeds `maxThrottleMs` or it stays over budget for longer
 * than that: a reader that waits out each delay never lets debt build up, so
 * persistence is what gives a flooder away. Trusted peers can be given larger
 * budgets with {@link Rationing.setMultiplier}.
 */
export class Rationing {
  readonly options: RationingOptions
  /** Bounded: the least recently active peers are forgotten. */
  readonly #peers: LruCache<string, PeerBudget>

  /** Each channel's budget: the defaults, then what its protocol declared, then the operator's override. */
  readonly #channelBudgets = new Map<string, ChannelBudget>()

  constructor(options: Partial<RationingOptions> = {}) {
    const { channels = {}, ...numbers } = options
    const resolved = { ...DEFAULT_RATIONING, ...numbers, channels }
    checkPositive('rationing', numbers)
    for (const [channel, budget] of Object.entries(channels)) checkPositive(`rationing.channels[${channel}]`, budget)
    this.options = resolved
    this.#peers = new LruCache(resolved.maxTracked)
  }

  /** Sets the budget a protocol asks for on `channel`; fields the operator set for it keep the operator's values. */
  declare(channel: string, budget: Partial<ChannelBudget>): void {
    checkPositive(`the budget of ${channel}`, budget)
    this.#channelBudgets.set(channel, this.#budgetOf(channel, budget))
  }

  /** Drops what a protocol declared for `channel`: the node's defaults (and the operator's settings) apply again. */
  undeclare(channel: string): void {
    this.#channelBudgets.delete(channel)
  }

  /** Charges `bytes` (one message) to `peer` on `channel` at time `now` (ms). */
  admit(peer: string, channel: string, bytes: number, now: number): RationingVerdict {
    const budget = this.#budget(peer)
    const limits = this.#limits(channel)
    const bucket = this.#refill(budget, channel, limits, now)
    const o = this.options
    bucket.bytes -= bytes
    bucket.messages -= 1
    const byteDebt = -bucket.bytes / (limits.bytesPerSecond * budget.multiplier)
    const messageDebt = -bucket.messages / (limits.messagesPerSecond * budget.multiplier)
    const waitMs = Math.max(0, byteDebt, messageDebt) * 1000
    if (waitMs === 0) {
      bucket.throttledSince = undefined
      return { action: 'deliver' }
    }
    bucket.throttledSince ??= now
    if (waitMs > o.maxThrottleMs) {
      return { action: 'disconnect', reason: `over budget on ${channel}: ${Math.round(waitMs)} ms of debt exceeds ${o.maxThrottleMs} ms` }
    }
    if (now - bucket.throttledSince > o.maxThrottleMs) {
      return { action: 'disconnect', reason: `over budget on ${channel} for ${now - bucket.throttledSince} ms without a break` }
    }
    return { action: 'delay', delayMs: waitMs }
  }

  /** Scales `peer`'s budgets (e.g. 4 for a trusted peer), from now on. */
  setMultiplier(peer: string, multiplier: number): void {
    if (!(multiplier > 0)) throw new NetError('INVALID_OPTION', `a budget multiplier must be positive, got ${multiplier}`)
    this.#budget(peer).multiplier = multiplier
  }

  /** Drops everything kept about `peer`, e.g. when it disconnects. */
  forget(peer: string): void {
    this.#peers.delete(peer)
  }

  /** How many peers have budgets kept. */
  get tracked(): number {
    return this.#peers.size
  }

  #budget(peer: string): PeerBudget {
    let budget = this.#peers.get(peer)
    if (budget === undefined) {
      budget = { multiplier: 1, channels: new Map() }
      this.#peers.set(peer, budget)
    }
    return budget
  }

  #limits(channel: string): ChannelBudget {
    let limits = this.#channelBudgets.get(channel)
    if (limits === undefined) {
      limits = this.#budgetOf(channel, {})
      this.#channelBudgets.set(channel, limits)
    }
    return limits
  }

  #budgetOf(channel: string, declared: Partial<ChannelBudget>): ChannelBudget {
    const { bytesPerSecond, burstBytes, messagesPerSecond, burstMessages, channels } = this.options
    return { bytesPerSecond, burstBytes, messagesPerSecond, burstMessages, ...declared, ...channels[channel] }
  }

  #refill(budget: PeerBudget, channel: string, o: ChannelBudget, now: number): Bucket {
    const m = budget.multiplier
    let bucket = budget.channels.get(channel)
    if (bucket === undefined) {
      bucket = { bytes: o.burstBytes * m, messages: o.burstMessages * m, updatedAt: now, throttledSince: undefined }
      budget.channels.set(channel, bucket)
      return bucket
    }
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000
    bucket.bytes = Math.min(o.burstBytes * m, bucket.bytes + elapsed * o.bytesPerSecond * m)
    bucket.messages = Math.min(o.burstMessages * m, bucket.messages + elapsed * o.messagesPerSecond * m)
    bucket.updatedAt = now
    return bucket
  }
}

function checkPositive(what: string, numbers: object): void {
  for (const [name, value] of Object.entries(numbers)) {
    if (!(typeof value === 'number' && value > 0)) throw new NetError('INVALID_OPTION', `${what}.${name} must be a positive number, got ${String(value)}`)
  }
}
