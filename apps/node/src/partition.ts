import type { FrpState } from '@dscs/frp-state'
import type { PeerRef, TrustPolicy } from '@dscs/interface'
import {
  Healer,
  WriteGate,
  peerSyncHealLayer,
  softPartition,
  tentativeHealLayer,
  tentativeTrust,
  type DomainPolicy,
  type HealReport,
  type PartitionChange,
  type PartitionState,
  type SoftPartition,
  type SwimEvent
} from '@dscs/soft-partition'
import type { Output } from './output.js'

/** What a node alone, before its membership runs, believes: its own component, a majority of one. */
const ALONE: PartitionState = { epoch: 0, component: [], direct: [], indirect: [], unreached: [], known: 1, majority: true }

const short = (peer: PeerRef): string => `…${peer.slice(-8)}`
const peers = (list: readonly PeerRef[]): string => list.map(short).join(', ')

/**
 * The soft-partition side of `dscs node --state`: one membership service
 * (SWIM) for the node, the write gate of every state domain under its own
 * policy, and the Healer that reconciles each domain's frp-state (and, under
 * `tentative`, re-confirms the minority's writes) when members rejoin. It
 * prints what it sees.
 */
export class NodePartition {
  /** Each domain's policy, by domain. */
  readonly policies: Readonly<Record<string, DomainPolicy>>
  readonly gate: WriteGate
  readonly #healer = new Healer()
  #service: SoftPartition | undefined

  constructor(policies: Readonly<Record<string, DomainPolicy>>) {
    this.policies = policies
    this.gate = new WriteGate(() => this.view(), policies)
  }

  /** The libp2p service factory, run as the node's `softPartition` service. */
  service(): (components: object) => SoftPartition {
    // Incarnations from a clock in seconds: a restarted node starts above what it announced before.
    const factory = softPartition({ incarnation: Math.floor(Date.now() / 1000) })
    return (components) => (this.#service = factory(components))
  }

  /** `domain`'s trust policy: under `tentative`, what `inner` accepts on a minority stays pending until the heal. */
  trust(domain: string, inner: TrustPolicy): TrustPolicy {
    if (this.policies[domain] !== 'tentative') return inner
    const tentative = tentativeTrust({ view: () => this.view(), inner })
    this.#healer.register(tentativeHealLayer(tentative, `tentative ${domain}`))
    return tentative
  }

  view(): PartitionState {
    return this.#service?.partition() ?? ALONE
  }

  /** Every member but this node, with the class of its link. */
  members(): { peer: PeerRef; state: string; incarnation: number; link: string; rtt: number | undefined; loss: number }[] {
    const service = this.#service
    if (service === undefined) return []
    return service.members().map(({ peer, state, incarnation }) => {
      const link = service.link(peer)
      return { peer, state, incarnation, link: link.class, rtt: link.rtt, loss: link.loss }
    })
  }

  /** Once the node runs: prints membership and partition events, and heals each domain's state when members rejoin. */
  attach(states: Readonly<Record<string, FrpState<unknown>>>, out: Output): void {
    const crossed = Object.entries(states).map(([domain, state]) => {
      const away = new CrossedWhileAway(state)
      this.#healer.register(peerSyncHealLayer(`frp-state ${domain}`, (peer) => away.sync(peer)))
      return away
    })
    this.#service?.onEvent((event) => {
      describeEvent(event, out)
      if (event.type !== 'partition') return
      for (const away of crossed) away.left(event.left)
      this.#healer
        .onPartition(event)
        .then((report) => report !== undefined && reportHeal(report, out))
        .catch((err: unknown) => out.event('heal-failed', { error: (err as Error).message }, `heal failed: ${(err as Error).message}`))
    })
  }
}

/**
 * What crossed between this node and each member while it was out of the component: a reconnection starts
 * anti-entropy (and the Yjs sync) at once, before SWIM sees the member back, so the heal's own sync may find
 * nothing left. The heal reports both.
 */
class CrossedWhileAway {
  readonly #state: FrpState<unknown>
  readonly #away = new Map<PeerRef, { received: number; sent: number }>()

  constructor(state: FrpState<unknown>) {
    this.#state = state
    state.onEvent((event) => {
      if (event.type === 'sync-ended') this.#count(event.peer, event.received, event.sent)
      else if (event.type === 'doc' && event.event.type === 'synced' && event.event.changed) this.#count(event.event.peer, 1, 0)
    })
  }

  #count(peer: PeerRef, received: number, sent: number): void {
    const away = this.#away.get(peer)
    if (away === undefined) return
    away.received += received
    away.sent += sent
  }

  left(peers: readonly PeerRef[]): void {
    for (const peer of peers) this.#away.set(peer, { received: 0, sent: 0 })
  }

  /** Syncs with `peer`, back in the component: the ops and document updates taken from it and sent to it since it left. */
  async sync(peer: PeerRef): Promise<{ received: number; sent: number }> {
    // Taken first: the sync's own session ends while it runs, and must not count twice.
    const before = this.#away.get(peer) ?? { received: 0, sent: 0 }
    this.#away.delete(peer)
    const report = await this.#state.sync(peer)
    return { received: before.received + report.received + report.docsUpdated, sent: before.sent + report.sent }
  }
}

function describeEvent(event: SwimEvent, out: Output): void {
  switch (event.type) {
    case 'partition':
      out.event('partition', partitionFields(event), partitionText(event))
      return
    case 'link':
      out.event('link', { peer: event.quality.peer, class: event.quality.class, rtt: event.quality.rtt, loss: event.quality.loss, via: event.quality.via }, `link to ${short(event.quality.peer)}: ${event.quality.class}`)
      return
    case 'refuted':
      out.event('refuted', { incarnation: event.incarnation }, `suspected: refuted at incarnation ${event.incarnation}`)
      return
    case 'member-reached':
      out.event('member', { peer: event.peer, state: 'reached' }, `member ${short(event.peer)} reached: counted in this component`)
      return
    case 'member-joined':
    case 'member-alive':
    case 'member-suspect':
    case 'member-down': {
      const state = event.type.slice('member-'.length)
      out.event('member', { peer: event.peer, state, incarnation: event.incarnation }, `member ${short(event.peer)} ${state}`)
      return
    }
    default:
    // Other events (data a member sent, relays) are for the layers that use them, not for the console.
  }
}

function partitionFields(change: PartitionChange): Record<string, unknown> {
  return { ...change.state, left: change.left, joined: change.joined }
}

function partitionText({ state, left, joined }: PartitionChange): string {
  const side = state.majority ? 'majority' : 'MINORITY'
  const moves = [left.length > 0 ? `left: ${peers(left)}` : '', joined.length > 0 ? `joined: ${peers(joined)}` : ''].filter((part) => part !== '')
  return `partition epoch ${state.epoch}: ${side}, ${state.component.length} of ${state.known} members in this component${moves.length > 0 ? ` (${moves.join('; ')})` : ''}`
}

function reportHeal(report: HealReport, out: Output): void {
  const failed = report.failed.map(({ layer, error }) => ({ layer, error: (error as Error).message }))
  const layers = report.layers.map((layer) => {
    const ways = layer.received === undefined ? '' : ` (${layer.received} received, ${layer.sent ?? 0} sent)`
    const unreached = (layer.peerErrors ?? []).map(({ peer, error }) => `, not with ${short(peer)}: ${(error as Error).message}`).join('')
    return `${layer.layer} ${layer.diverged} diverged${ways}, ${layer.nullified} nullified${unreached}`
  })
  const text = `healed at epoch ${report.epoch} with ${peers(report.rejoined)}: ${[...layers, ...failed.map((f) => `${f.layer} failed: ${f.error}`)].join('; ')}`
  // Errors as their messages: an Error object turns into {} in JSON.
  const fields = report.layers.map(({ peerErrors, ...layer }) =>
    peerErrors === undefined ? layer : { ...layer, peerErrors: peerErrors.map(({ peer, error }) => ({ peer, error: (error as Error).message })) }
  )
  out.event('heal', { epoch: report.epoch, rejoined: report.rejoined, layers: fields, failed }, text)
}
