/**
 * @packageDocumentation
 *
 * Deterministic network simulation for DSCS protocols, in the manner of
 * FoundationDB and TigerBeetle: one seed, a whole network of virtual peers
 * in one process, faults injected on a schedule, every run reproducible.
 *
 * - {@link Simulation}: the network. Each peer gets the `Net` port of
 *   `@dscs/interface` (direct messages, floodsub-style gossip with
 *   accept/ignore/reject verdicts, connect/disconnect events, penalties), a
 *   `Clock` on virtual time, timers, a seeded random stream and a
 *   `MemoryStore` that survives crashes.
 * - Links ({@link LinkProperties}): latency, jitter, loss, duplication,
 *   reordering and bandwidth per direction, with defaults and overrides.
 * - Faults: hard partitions and heal; soft ones — asymmetric links
 *   (`cut(a, b, 'one-way')`), non-transitive reachability, degraded links;
 *   crash and restart with the same id and store.
 * - {@link GeographicLatency}: a latency matrix from nodes on a sphere (great-circle
 *   distance plus access delays) to set links from.
 * - Determinism: events run in (virtual time, sequence) order from a binary
 *   heap; all randomness comes from {@link Prng}; every delivery, drop and
 *   fault feeds an incremental SHA-256 ({@link Simulation.traceHash}).
 *
 * @example
 * ```ts
 * import type { Net } from '@dscs/interface'
 * import { Simulation, type SimPeer } from '@dscs/netsim'
 *
 * // A tiny application: records the gossip it hears and accepts it, so it is relayed on.
 * class Listener {
 *   readonly heard = new Set<string>()
 *   constructor(net: Net) {
 *     net.subscribe('news', (msg) => {
 *       this.heard.add(new TextDecoder().decode(msg.bytes))
 *       return 'accept'
 *     })
 *   }
 * }
 *
 * const sim = new Simulation({ seed: 42, link: { latencyMs: 30, jitterMs: 10, loss: 0.01 } })
 * const peers = sim.addPeers(10, (peer: SimPeer) => new Listener(peer.net))
 * const say = (from: number, text: string) => () => peers[from]!.peer!.net.publish('news', new TextEncoder().encode(text))
 *
 * sim.at(1_000, () => sim.partition([peers.slice(0, 5), peers.slice(5)]))
 * sim.at(1_500, say(0, 'left side only'))
 * sim.at(5_000, () => sim.heal())
 * sim.at(6_000, say(9, 'everyone'))
 * await sim.run({ until: 10_000 })
 *
 * // A publisher does not hear its own message; everyone else heard 'everyone',
 * // and only peers 1-4 (peer 0's side of the partition) heard 'left side only'.
 * peers.map((p) => p.app!.heard.has('everyone'))       // true for all but peer 9
 * peers.map((p) => p.app!.heard.has('left side only')) // true for peers 1-4
 * console.log(sim.traceHash())                         // the same on every run with seed 42
 * ```
 */
export { Simulation, GOSSIP_REJECTED } from './simulation.js'
export type {
  SimulationOptions,
  AddPeerOptions,
  AddPeersOptions,
  RunOptions,
  RunResult,
  SimulationStats,
  NodeRef,
  Direction
} from './simulation.js'
export type { SimPeer, SimNode } from './peer.js'
export type { Timer } from './event.js'
export { DEFAULT_LINK } from './link.js'
export type { LinkProperties } from './link.js'
export { Prng } from './prng.js'
export { GeographicLatency } from './geo.js'
export type { GeographicLatencyOptions, GeoNode } from './geo.js'
export { EventQueue } from './queue.js'
export type { Timed } from './queue.js'
export type { TraceEntry, TraceKind, DropReason } from './trace.js'
export { NetsimError } from './errors.js'
export type { NetsimErrorCode } from './errors.js'
