import type { PeerRef } from '@dscs/interface'

/**
 * The requests this node is serving now, bounded per peer and overall, so a
 * request flood costs a Reject each and never a queue. A request cancelled
 * while its chunk is read keeps its slot until the read ends.
 */
export class UploadSlots {
  readonly #perPeer: number
  readonly #overall: number
  readonly #byPeer = new Map<PeerRef, Map<string, { cancelled: boolean }>>()
  #active = 0

  constructor(perPeer: number, overall: number) {
    this.#perPeer = perPeer
    this.#overall = overall
  }

  get active(): number {
    return this.#active
  }

  /** True when a slot was free and is now `key`'s; false when busy or when `key` is being served already. */
  acquire(peer: PeerRef, key: string): boolean {
    const slots = this.#byPeer.get(peer) ?? new Map<string, { cancelled: boolean }>()
    if (slots.has(key) || slots.size >= this.#perPeer || this.#active >= this.#overall) return false
    slots.set(key, { cancelled: false })
    this.#byPeer.set(peer, slots)
    this.#active++
    return true
  }

  cancel(peer: PeerRef, key: string): void {
    const slot = this.#byPeer.get(peer)?.get(key)
    if (slot !== undefined) slot.cancelled = true
  }

  /** Frees `key`'s slot; true when it was held and not cancelled, so the piece is still wanted. */
  release(peer: PeerRef, key: string): boolean {
    const slots = this.#byPeer.get(peer)
    const slot = slots?.get(key)
    if (slots === undefined || slot === undefined) return false
    slots.delete(key)
    if (slots.size === 0) this.#byPeer.delete(peer)
    this.#active--
    return !slot.cancelled
  }

  /** Forgets a peer that left; reads under way end in `release` returning false. */
  forget(peer: PeerRef): void {
    const slots = this.#byPeer.get(peer)
    if (slots === undefined) return
    this.#active -= slots.size
    this.#byPeer.delete(peer)
  }
}
