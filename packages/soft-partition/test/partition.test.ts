// 10 members split 6/4, writes on both sides, heal: the three domain policies over @dscs/frp-state on netsim.
import { describe, expect, it } from 'vitest'
import { CoreDriver } from '@dscs/net'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { FrpStateCore, StateGraph, jsonCodec, type FrpStateEvent } from '@dscs/frp-state'
import {
  Healer,
  SoftPartitionError,
  WriteGate,
  peerSyncHealLayer,
  tentativeHealLayer,
  tentativeTrust,
  type DomainPolicy,
  type HealReport
} from '@dscs/soft-partition'
import { SwimSimApp, identityOf } from './cluster.js'

interface Note {
  readonly key: string
  readonly value: number
}

const SIZE = 10
const DOMAIN = 'notes'
const isNote = (v: unknown): v is Note => typeof (v as Note)?.key === 'string' && Number.isSafeInteger((v as Note).value)

/** One member: SWIM, frp-state with the tentative trust policy, the write gate and the healer. */
class Member {
  readonly swim: SwimSimApp
  readonly graph = new StateGraph<Note>({ checkpointEvery: 16 })
  readonly notes = this.graph.reducer<number>({ name: 'notes', key: (op) => op.payload.key, reduce: (_, op) => op.payload.value, initial: 0 })
  readonly gate: WriteGate
  readonly heals: HealReport[] = []
  readonly #peer: SimPeer
  readonly #state: FrpStateCore<Note>
  readonly #driver: CoreDriver<FrpStateEvent<Note>>

  constructor(peer: SimPeer, index: number, policy: DomainPolicy, members: { peer: string; publicKey: Uint8Array }[], virtualNow: () => number) {
    this.#peer = peer
    this.swim = new SwimSimApp(peer, identityOf(index), { members }, virtualNow)
    const view = () => this.swim.core.partition()
    this.gate = new WriteGate(view, { [DOMAIN]: policy })
    const trust = tentativeTrust({ view })
    this.#state = new FrpStateCore<Note>({
      graph: this.graph,
      codec: jsonCodec(isNote),
      identity: identityOf(index),
      self: peer.id,
      horizon: 3_600_000,
      ...(policy === 'tentative' ? { trust } : {})
    })
    this.#driver = new CoreDriver({
      core: this.#state,
      net: peer.net,
      clock: peer.clock,
      timers: peer.timers,
      protocols: [this.#state.protocol],
      topics: [this.#state.topic],
      onEvent: () => undefined,
      onEffectError: () => undefined
    })
    // Trust decisions come between calls: apply their events as soon as the policy speaks.
    trust.onStatusChange(() => this.#driver.apply(this.#state.takeSettled()))
    this.#driver.start()
    const healer = new Healer()
    healer.register(tentativeHealLayer(trust))
    // frp-state's anti-entropy with each member that rejoined, as soon as it is back.
    healer.register(peerSyncHealLayer('frp-state', (rejoined) => this.#driver.apply(this.#state.sync(rejoined, peer.clock.now()))))
    this.swim.listeners.push((event) => {
      if (event.type === 'partition') void healer.onPartition(event).then((report) => report && this.heals.push(report))
    })
  }

  /** Writes through the gate; resolves to whether the write was tentative, or rejects with MINORITY_LOCKED. */
  async write(note: Note): Promise<boolean> {
    const { tentative } = this.gate.admit(DOMAIN)
    const { effects } = this.#state.submit(note, this.#peer.clock.now())
    this.#driver.apply(effects)
    return tentative
  }

  value(view: 'predicted' | 'confirmed', key: string): number {
    return this.graph.get(view, this.notes, key)
  }
}

async function splitAndHeal(policy: DomainPolicy) {
  const sim = new Simulation({ seed: 11, link: { latencyMs: 20, jitterMs: 10 } })
  const members = Array.from({ length: SIZE }, (_, index) => ({ peer: `peer-${index}`, publicKey: identityOf(index).publicKey }))
  const nodes = sim.addPeers(SIZE, (peer) => new Member(peer, Number(peer.id.slice('peer-'.length)), policy, members, () => sim.now), { connect: 'all' })
  const [majority, minority] = [nodes.slice(0, 6), nodes.slice(6)]
  const acknowledged: Note[] = []
  const refused: string[] = []
  const tentative: Note[] = []
  const minorityBeforeHeal: boolean[] = []
  sim.at(3_000, () => sim.partition([majority, minority]))
  // Long enough for each side to hold the other down: the longest suspicion at 10 members is 12 periods, and the
  // minority's periods stretch as Lifeguard counts its relays' missing nacks against itself.
  sim.at(45_000, () => {
    minorityBeforeHeal.push(...nodes.map((node) => node.app!.swim.core.partition().majority))
    nodes.forEach((node, index) => {
      for (let i = 0; i < 3; i++) {
        const note = { key: `${index}-${i}`, value: 100 * index + i + 1 }
        node.app!.write(note).then(
          (wasTentative) => {
            acknowledged.push(note)
            if (wasTentative) tentative.push(note)
          },
          (error: unknown) => refused.push(error instanceof SoftPartitionError ? error.code : String(error))
        )
      }
    })
  })
  const pendingAtHeal: number[] = []
  sim.at(50_000, () => {
    pendingAtHeal.push(...minority.flatMap((node) => tentative.filter((note) => node.app!.value('confirmed', note.key) !== note.value).length))
    sim.heal()
  })
  await sim.run({ until: 120_000 })
  return { nodes, majority, minority, acknowledged, refused, tentative, minorityBeforeHeal, pendingAtHeal }
}

describe('partition 6/4 with writes on both sides, then heal', { timeout: 60_000 }, () => {
  it('each side knows whether it holds the majority, and after the heal every member is back in one component', async () => {
    const { nodes, minorityBeforeHeal } = await splitAndHeal('available')
    expect(minorityBeforeHeal).toEqual([true, true, true, true, true, true, false, false, false, false])
    for (const node of nodes) expect(node.app!.swim.core.partition()).toMatchObject({ majority: true, known: SIZE })
    for (const node of nodes) expect(node.app!.swim.core.partition().component).toHaveLength(SIZE)
  })

  it('available: every write is accepted, none is lost, and every member converges to the same state', async () => {
    const { nodes, acknowledged, refused } = await splitAndHeal('available')
    expect(refused).toEqual([])
    expect(acknowledged).toHaveLength(3 * SIZE)
    for (const node of nodes) for (const note of acknowledged) expect(node.app!.value('confirmed', note.key)).toBe(note.value)
  })

  it('locked: the minority refuses its writes with MINORITY_LOCKED; no majority write is lost', async () => {
    const { nodes, acknowledged, refused } = await splitAndHeal('locked')
    expect(refused).toEqual(Array(3 * 4).fill('MINORITY_LOCKED'))
    expect(acknowledged).toHaveLength(3 * 6)
    expect(acknowledged.every((note) => Number(note.key.split('-')[0]) < 6)).toBe(true)
    for (const node of nodes) for (const note of acknowledged) expect(node.app!.value('confirmed', note.key)).toBe(note.value)
  })

  it('tentative: minority writes are tentative until the heal, then confirmed everywhere', async () => {
    const { nodes, minority, acknowledged, tentative, pendingAtHeal } = await splitAndHeal('tentative')
    expect(acknowledged).toHaveLength(3 * SIZE)
    expect(tentative.map((note) => note.key).sort()).toEqual(acknowledged.filter((note) => Number(note.key.split('-')[0]) >= 6).map((note) => note.key).sort())
    // Before the heal no minority member held them confirmed.
    expect(pendingAtHeal).toEqual([12, 12, 12, 12])
    for (const node of nodes) for (const note of acknowledged) expect(node.app!.value('confirmed', note.key)).toBe(note.value)
    for (const node of minority) expect(node.app!.heals.some((heal) => heal.layers.some((layer) => layer.layer === 'tentative' && layer.diverged > 0))).toBe(true)
  })
})
