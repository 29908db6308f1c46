import type { PeerRef } from '@dscs/interface'

/** A peer with a number to choose it by: a score for connections, a capacity for work. */
export interface Weighted {
  readonly peer: PeerRef
  readonly weight: number
}

/**
 * The peers a connection manager keeps: the `best` highest weighted, plus
 * `random` drawn uniformly from the rest, so that peers who only look fast
 * (or lie about it) cannot fill every slot and eclipse this node. The rest
 * may be pruned. Ties keep the input order.
 */
export function bestPlusRandom(
  candidates: readonly Weighted[],
  slots: { readonly best: number; readonly random: number },
  random: () => number
): { keep: PeerRef[]; prune: PeerRef[] } {
  const ranked = [...candidates].sort((a, b) => b.weight - a.weight)
  const keep = ranked.slice(0, slots.best).map((c) => c.peer)
  const rest = ranked.slice(slots.best).map((c) => c.peer)
  for (let i = 0; i < slots.random && rest.length > 0; i++) keep.push(rest.splice(Math.floor(random() * rest.length), 1)[0]!)
  return { keep, prune: rest }
}

/**
 * A random order in which each peer comes early in proportion to its
 * weight (Efraimidis–Spirakis: key u^(1/w)); peers of weight 0 come last.
 */
export function weightedOrder(candidates: readonly Weighted[], random: () => number): PeerRef[] {
  return candidates
    .map((c) => ({ peer: c.peer, key: c.weight > 0 ? Math.log(Math.max(random(), Number.MIN_VALUE)) / c.weight : -Infinity }))
    .sort((a, b) => b.key - a.key)
    .map((c) => c.peer)
}

/** A candidate for work: its weight, and optionally a cap of its own below the common one (e.g. 1 or 2 until it is measured). */
export interface CapacityCandidate extends Weighted {
  readonly cap?: number
}

/** Bounds of {@link chooseByCapacity}. */
export interface CapacityLimits {
  /** Most pieces of work one peer holds at once. */
  readonly cap: number
  /** Most of the total load one peer holds (once the total reaches `cap`), in (0, 1]. */
  readonly maxShare: number
  /**
   * Peers weighing less than this share of the heaviest with room get work
   * only when none heavier has room: a piece given to a peer ten times slower
   * is the one the whole job waits for. Default 0 (pure proportion).
   */
  readonly minRelativeWeight?: number
}

/**
 * Picks the peer for one more piece of work, in proportion to weight among
 * the peers with room: `load(peer)` below `cap` (and its own), and below `maxShare` of the
 * total load (counting this piece) once that is at least `cap`. Undefined
 * when nobody has room. Weights of 0 are chosen only when nothing else has room.
 */
export function chooseByCapacity(
  candidates: readonly CapacityCandidate[],
  load: (peer: PeerRef) => number,
  limits: CapacityLimits,
  random: () => number
): PeerRef | undefined {
  let total = 1
  for (const c of candidates) total += load(c.peer)
  const shareCap = total >= limits.cap ? Math.max(1, limits.maxShare * total) : Infinity
  const open = candidates.filter((c) => load(c.peer) < Math.min(limits.cap, c.cap ?? Infinity, shareCap))
  const heaviest = open.reduce((max, c) => Math.max(max, c.weight), 0)
  const weighted = open.filter((c) => c.weight > 0 && c.weight >= heaviest * (limits.minRelativeWeight ?? 0))
  if (weighted.length === 0) return open.length === 0 ? undefined : open[Math.floor(random() * open.length)]!.peer
  let draw = random() * weighted.reduce((sum, c) => sum + c.weight, 0)
  for (const c of weighted) {
    draw -= c.weight
    if (draw < 0) return c.peer
  }
  return weighted[weighted.length - 1]!.peer
}
