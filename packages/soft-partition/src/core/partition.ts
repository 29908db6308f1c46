import type { PeerRef } from '@dscs/interface'
import type { LinkClass } from './links.js'
import type { Member } from './membership.js'

/** This node's belief about the split of the network. */
export interface PartitionState {
  /** Raised at every change of the component: names the view a write or a heal belongs to. */
  readonly epoch: number
  /** This node and every member it neither holds down nor has yet to reach, sorted: the component it believes it is in. */
  readonly component: readonly PeerRef[]
  /** Members reached by this node's own probes. */
  readonly direct: readonly PeerRef[]
  /** Members reached only through others (asymmetric or non-transitive links). */
  readonly indirect: readonly PeerRef[]
  /** Members alive by others' word that this node has not heard from since they joined or came back: not in the component yet. */
  readonly unreached: readonly PeerRef[]
  /** Every member ever known, this node included: what a majority is counted against. */
  readonly known: number
  /** Whether the component holds more than half of `known`. */
  readonly majority: boolean
}

/** A change of {@link PartitionState}: who left and who (re)joined the component since the last epoch. */
export interface PartitionChange {
  readonly state: PartitionState
  readonly left: readonly PeerRef[]
  readonly joined: readonly PeerRef[]
}

const INDIRECT: ReadonlySet<LinkClass> = new Set(['asymmetric', 'indirect'])

/**
 * Follows the component from the membership: a member counts in it once this
 * node has heard from it, until it is held down (a suspect still counts, so
 * one lost probe moves no epoch).
 */
export class PartitionView {
  readonly #self: PeerRef
  #state: PartitionState

  constructor(self: PeerRef) {
    this.#self = self
    this.#state = { epoch: 0, component: [self], direct: [], indirect: [], unreached: [], known: 1, majority: true }
  }

  get state(): PartitionState {
    return this.#state
  }

  /** Recomputes the view from `members` and the class of each link; returns the change when the component moved. */
  refresh(members: readonly Member[], linkClass: (peer: PeerRef) => LinkClass): PartitionChange | undefined {
    const alive = members.filter((member) => member.state !== 'down')
    const up = alive.filter((member) => member.reached).map((member) => member.peer)
    const unreached = alive.filter((member) => !member.reached).map((member) => member.peer).sort()
    const component = [this.#self, ...up].sort()
    const indirect = up.filter((peer) => INDIRECT.has(linkClass(peer))).sort()
    const direct = up.filter((peer) => !INDIRECT.has(linkClass(peer))).sort()
    const known = members.length + 1
    const previous = this.#state
    const moved = component.length !== previous.component.length || component.some((peer, i) => previous.component[i] !== peer)
    const epoch = moved ? previous.epoch + 1 : previous.epoch
    this.#state = { epoch, component, direct, indirect, unreached, known, majority: 2 * component.length > known }
    if (!moved) return undefined
    const before = new Set(previous.component)
    const after = new Set(component)
    return { state: this.#state, left: previous.component.filter((peer) => !after.has(peer)), joined: component.filter((peer) => !before.has(peer)) }
  }
}
