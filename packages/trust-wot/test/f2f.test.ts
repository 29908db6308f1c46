// Friend-to-friend mode. On cores: routing along links of mutual trust, sealed letters, and hostile input. On real
// libp2p nodes: a non-friend cannot connect, a letter reaches a friend of a friend through the friend, and the
// friend in between cannot read it.
import { afterEach, describe, expect, it } from 'vitest'
import { openSealed, signEnvelope, type Identity } from '@dscs/identity'
import type { CoreEffect } from '@dscs/interface'
import { createNode, type DscsNode } from '@dscs/net'
import { createEnvelope, decodeEnvelope, decodePayload, encodeEnvelope, encodePayload } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { F2F_PROTOCOL_ID, FriendRouter, RECORDS_TOPIC, RoutedPayloadKind, TrustWotCore, trustWot, type FriendEvent, type TrustWot, type TrustWotServiceEvent } from '../src/index.js'
import { hex, outcomes, person, published, sends, waitFor } from './helpers.js'

const T0 = 1_700_000_000_000
const DAY = 86_400_000
const text = (s: string) => new TextEncoder().encode(s)

/** Cores and routers of a small world where peers are named by their index. */
function world(size: number, links: readonly [number, number][]) {
  const people = Array.from({ length: size }, (_, i) => person(120 + i))
  const cores = people.map((identity) => new TrustWotCore({ identity }))
  // Every statement reaches every core: trust is mutual along each link.
  for (const [a, b] of links) {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const [bytes] = published(cores[from]!.trust(people[to]!.publicKey, { level: 100, expires: T0 + DAY }, T0).effects)
      cores.forEach((core, i) => i !== from && core.receiveTopic('relay', RECORDS_TOPIC, bytes!, T0))
    }
  }
  const directory = { keyOf: (peer: string) => (people[Number(peer)] === undefined ? undefined : hex(people[Number(peer)]!)), peerOf: (key: string) => String(people.findIndex((p) => hex(p) === key)) }
  let counter = 0
  const routers = people.map(
    (identity, i) => new FriendRouter({ identity, graph: cores[i]!, directory, randomBytes: (n) => new Uint8Array(n).fill(++counter), maxHops: 3 })
  )
  // Each router is connected to its friends.
  for (const [a, b] of links) {
    routers[a]!.peerConnected(String(b))
    routers[b]!.peerConnected(String(a))
  }
  return { people, cores, routers }
}

const emitted = (effects: readonly CoreEffect<FriendEvent>[]): FriendEvent[] => effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []))

/** Carries `effects`' sends hop by hop until none is left; returns every event on the way, by router index. */
function carry(routers: readonly FriendRouter[], from: number, effects: CoreEffect<FriendEvent>[]): { at: number; event: FriendEvent }[] {
  const seen: { at: number; event: FriendEvent }[] = []
  let queue = sends(effects).map((s) => ({ ...s, from }))
  for (let steps = 0; queue.length > 0 && steps < 20; steps++) {
    const next: typeof queue = []
    for (const { to, bytes, from: sender } of queue) {
      const out = routers[Number(to)]!.receive(String(sender), bytes, T0 + steps)
      for (const event of emitted(out)) seen.push({ at: Number(to), event })
      next.push(...sends(out).map((s) => ({ ...s, from: Number(to) })))
    }
    queue = next
  }
  return seen
}

describe('FriendRouter', () => {
  it('routes a letter along links of mutual trust, sealed so the friends between cannot read it', () => {
    // 0 — 1 — 2 — 3, and 0 — 4 (a dead end).
    const { people, routers } = world(5, [[0, 1], [1, 2], [2, 3], [0, 4]])
    const events = carry(routers, 0, routers[0]!.send(people[3]!.publicKey, text('hello, 3'), T0))
    expect(events.map(({ at, event }) => [at, event.type])).toEqual([
      [1, 'relayed'],
      [2, 'relayed'],
      [3, 'letter']
    ])
    expect(events[2]!.event).toEqual({ type: 'letter', from: hex(people[0]!), body: text('hello, 3') })
    for (const { at, event } of events.slice(0, 2)) {
      if (event.type !== 'relayed') continue
      expect(event.to).toBe(hex(people[3]!))
      expect(() => openSealed(people[at]!, event.box)).toThrow(expect.objectContaining({ code: 'SEALED_TAMPERED' }))
      expect(bytesToHex(event.box)).not.toContain(bytesToHex(text('hello, 3')))
    }
    // Beyond the hop limit, or to nobody's friend: no route.
    expect(() => routers[4]!.send(people[3]!.publicKey, text('too far'), T0)).toThrow(expect.objectContaining({ code: 'NO_ROUTE' }))
    expect(() => routers[0]!.send(person(200).publicKey, text('nobody'), T0)).toThrow(expect.objectContaining({ code: 'NO_ROUTE' }))
  })

  it('refuses messages from non-friends, replays, and letters it cannot open, blaming only the sender of what it can check', () => {
    const { people, routers, cores } = world(3, [[0, 1], [1, 2]])
    const [first] = sends(routers[0]!.send(people[2]!.publicKey, text('once'), T0))
    // From peer 2, which is no friend of 0... delivered to 1 but claimed to come from 2: signed by another.
    expect(outcomes(routers[1]!.receive('2', first!.bytes, T0))).toEqual(['emit:refused', '2 NOT_FRIEND'])
    // A stranger (index 9, unknown to the directory) cannot send at all.
    expect(outcomes(routers[1]!.receive('9', first!.bytes, T0))).toEqual(['emit:refused', '9 NOT_FRIEND'])
    expect(outcomes(routers[1]!.receive('0', first!.bytes, T0))).toEqual(['send', 'emit:relayed'])
    expect(outcomes(routers[1]!.receive('0', first!.bytes, T0))).toEqual(['emit:refused', '0 REPLAYED'])
    expect(outcomes(routers[1]!.receive('0', new Uint8Array([0xff, 0xff]), T0))).toEqual(['emit:refused', '0 MALFORMED'])
    // 1 trusts 0 no more: its messages are refused.
    cores[1]!.revoke(people[0]!.publicKey, '', T0 + 1)
    const [later] = sends(routers[0]!.send(people[2]!.publicKey, text('after'), T0 + 2))
    expect(outcomes(routers[1]!.receive('0', later!.bytes, T0 + 2))).toEqual(['emit:refused', '0 NOT_FRIEND'])
  })

  it('delivers nothing it cannot open, and does not blame the friend that carried it', () => {
    const { people, routers } = world(3, [[0, 1], [1, 2]])
    const [toTwo] = sends(routers[0]!.send(people[2]!.publicKey, text('for 2'), T0))
    const [relayed] = sends(routers[1]!.receive('0', toTwo!.bytes, T0))
    const routed = decodePayload(decodeEnvelope(relayed!.bytes), RoutedPayloadKind)
    // What 1 passes on, with the box altered and a fresh id: 1's own signature holds, the box does not open.
    const altered = routed.box.slice()
    altered[altered.length - 1]! ^= 1
    const payload = encodePayload(RoutedPayloadKind, { ...routed, box: altered, id: new Uint8Array(16).fill(200) })
    const rewrapped = encodeEnvelope(signEnvelope(people[1]!, createEnvelope({ kind: RoutedPayloadKind.name, payload, author: people[1]!.publicKey, timestamp: T0 })))
    const effects = routers[2]!.receive('1', rewrapped, T0)
    expect(outcomes(effects)).toEqual(['emit:refused'])
    expect(emitted(effects)).toMatchObject([{ type: 'refused', from: '1', penalised: false, error: { code: 'SEALED_TAMPERED' } }])
    expect(emitted(routers[2]!.receive('1', relayed!.bytes, T0))).toEqual([{ type: 'letter', from: hex(people[0]!), body: text('for 2') }])
  })
})

describe('friend-to-friend on libp2p', () => {
  let nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
  })

  async function startNode(identity: Identity): Promise<DscsNode> {
    const wot = trustWot()
    const node = await createNode({ identity, listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false, allowPeer: wot.allowPeer, services: { wot } })
    nodes.push(node)
    return node
  }
  const wot = (node: DscsNode): TrustWot => node.libp2p.services.wot as TrustWot
  const events = (node: DscsNode): TrustWotServiceEvent[] => {
    const seen: TrustWotServiceEvent[] = []
    wot(node).onEvent((event) => seen.push(event))
    return seen
  }

  it(
    'refuses a non-friend, and carries a letter to a friend of a friend through the friend, who cannot read it',
    async () => {
      const [alice, friend, carol, stranger] = [person(150), person(151), person(152), person(153)]
      const [a, f, c, x] = [await startNode(alice), await startNode(friend), await startNode(carol), await startNode(stranger)]
      const expires = Date.now() + DAY
      // alice ↔ friend ↔ carol; alice and carol do not know each other; the stranger trusts alice, who does not trust it.
      await wot(a).trust(f.peerId, { level: 100, expires })
      await wot(f).trust(a.peerId, { level: 100, expires })
      await wot(f).trust(c.peerId, { level: 100, expires })
      await wot(c).trust(f.peerId, { level: 100, expires })
      await wot(x).trust(a.peerId, { level: 100, expires })
      expect(wot(a).isFriend(f.peerId)).toBe(true)
      expect(wot(a).isFriend(x.peerId)).toBe(false)

      // The stranger cannot connect to alice, nor alice dial it, nor carol alice.
      await x.dial(a.multiaddrs()[0]!).catch(() => {})
      await expect(a.dial(x.multiaddrs()[0]!)).rejects.toThrow()
      await expect(a.dial(c.multiaddrs()[0]!)).rejects.toThrow()
      await waitFor(() => x.net.peers().length === 0, "the stranger's connection closed")
      expect(a.net.peers()).toEqual([])

      const atFriend = events(f)
      const atCarol = events(c)
      await a.dial(f.multiaddrs()[0]!)
      await c.dial(f.multiaddrs()[0]!)
      // Alice learns, through her friend, that the friend and carol trust each other: a route.
      await waitFor(() => wot(a).viewpoint(f.peerId).trust(wot(c).viewpoint().viewer) > 0 && wot(a).viewpoint(c.peerId).trust(wot(f).viewpoint().viewer) > 0, 'the records at alice')
      await waitFor(() => {
        try {
          wot(a).send(c.peerId, text('a secret for carol'))
          return true
        } catch {
          return false
        }
      }, 'a route to carol')
      await waitFor(() => atCarol.some((event) => event.type === 'letter'), 'the letter at carol')
      expect(atCarol.find((event) => event.type === 'letter')).toEqual({ type: 'letter', from: hex(alice), body: text('a secret for carol') })
      const relayed = atFriend.find((event) => event.type === 'relayed')
      expect(relayed).toMatchObject({ type: 'relayed', from: a.peerId, to: hex(carol) })
      const box = (relayed as Extract<FriendEvent, { type: 'relayed' }>).box
      expect(() => openSealed(friend, box)).toThrow(expect.objectContaining({ code: 'SEALED_TAMPERED' }))
      expect(bytesToHex(box)).not.toContain(bytesToHex(text('a secret for carol')))
      expect(atFriend.some((event) => event.type === 'letter')).toBe(false)
      expect(F2F_PROTOCOL_ID).toBe('/dscs/trust-wot/f2f/1.0.0')
    },
    60_000
  )
})
