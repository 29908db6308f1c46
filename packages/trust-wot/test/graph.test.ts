// The graph of records: supersession, revocation, expiry, scopes and bounds, without a network.
import { describe, expect, it } from 'vitest'
import { TrustGraph, TrustView, openRecord, recordKey, resolveMetric, signRevocation, signStatement, type TrustRecord } from '../src/index.js'
import { hex, person } from './helpers.js'

const T0 = 1_700_000_000_000
const DAY = 86_400_000
const limits = { maxLifetime: 30 * DAY, maxClockSkew: 60_000 }
const [alice, bob, carol] = [person(1), person(2), person(3)]

const statement = (from = alice, to = bob, level = 50, at = T0, expires = at + DAY, scope = ''): TrustRecord =>
  openRecord(signStatement(from, to.publicKey, { level, expires, scope }, at), { limits, now: at })
const revocation = (from = alice, to = bob, at = T0, scope = ''): TrustRecord => openRecord(signRevocation(from, to.publicKey, scope, at), { limits, now: at })

function graph(maxRecordsPerTruster = 256): TrustGraph {
  return new TrustGraph({ maxLifetime: limits.maxLifetime, maxRecordsPerTruster })
}

/** The level of the unscoped edge between two people, 0 for none. */
function edge(g: TrustGraph, from = alice, to = bob, scope = ''): number {
  const truster = g.indexOf(hex(from))
  const trustee = g.indexOf(hex(to))
  return truster === undefined || trustee === undefined ? 0 : g.layer(scope).level(truster, trustee)
}

describe('TrustGraph', () => {
  it('keeps the latest record per truster, trustee and scope: later timestamps win, then greater ids', () => {
    const g = graph()
    expect(g.add(statement(alice, bob, 50, T0), T0).admission).toBe('new')
    const later = statement(alice, bob, 70, T0 + 10)
    expect(g.add(later, T0 + 10)).toMatchObject({ admission: 'new', replaced: { level: 50 } })
    expect(edge(g)).toBe(70)
    // An earlier statement arriving late changes nothing; the same one twice is known.
    expect(g.add(statement(alice, bob, 90, T0 + 5), T0 + 20).admission).toBe('stale')
    expect(g.add(later, T0 + 20).admission).toBe('known')
    // At the same timestamp, the greater id wins, whichever arrives first.
    const [a, b] = [statement(alice, carol, 10, T0), statement(alice, carol, 20, T0)].sort((x, y) => (x.id < y.id ? -1 : 1))
    const first = graph()
    first.add(a!, T0)
    first.add(b!, T0)
    const second = graph()
    second.add(b!, T0)
    expect(second.add(a!, T0).admission).toBe('stale')
    expect(edge(first, alice, carol)).toBe(edge(second, alice, carol))
    expect(g.size).toBe(1)
  })

  it('removes an edge on revocation, and remembers the revocation so an older statement cannot come back', () => {
    const g = graph()
    g.add(statement(alice, bob, 50, T0), T0)
    g.add(revocation(alice, bob, T0 + 100), T0 + 100)
    expect(edge(g)).toBe(0)
    expect(g.add(statement(alice, bob, 60, T0 + 50), T0 + 200).admission).toBe('stale')
    expect(g.add(statement(alice, bob, 60, T0 + 300), T0 + 300).admission).toBe('new')
    expect(edge(g)).toBe(60)
  })

  it('lapses a statement at its expiry, and forgets records once every record they superseded must have expired', () => {
    const g = graph()
    g.add(statement(alice, bob, 50, T0, T0 + 1_000), T0)
    g.add(statement(alice, carol, 40, T0, T0 + 5_000), T0)
    expect(g.nextDeadline()).toBe(T0 + 1_000)
    expect(g.tick(T0 + 999)).toEqual([])
    expect(edge(g)).toBe(50)
    expect(g.tick(T0 + 1_000)).toEqual([])
    expect(edge(g)).toBe(0)
    expect(edge(g, alice, carol)).toBe(40)
    // The lapsed statement still supersedes an older one with a later expiry.
    expect(g.add(statement(alice, bob, 90, T0 - 10, T0 + DAY), T0 + 2_000).admission).toBe('stale')
    const dropped = g.tick(T0 + limits.maxLifetime)
    expect(dropped.map((r) => r.level).sort()).toEqual([40, 50])
    expect(g.size).toBe(0)
    expect(g.nodes).toBe(0)
    // A record older than the lifetime is of no use any more.
    expect(g.add(statement(alice, bob, 50, T0), T0 + limits.maxLifetime).admission).toBe('stale')
  })

  it('lets a scoped statement override the unscoped one in its scope only', () => {
    const g = graph()
    g.add(statement(alice, bob, 50), T0)
    g.add(statement(alice, bob, 90, T0, T0 + DAY, 'chat'), T0)
    g.add(statement(alice, carol, 30, T0, T0 + DAY, 'chat'), T0)
    expect(edge(g)).toBe(50)
    expect(edge(g, alice, bob, 'chat')).toBe(90)
    expect(edge(g, alice, carol)).toBe(0)
    expect(edge(g, alice, carol, 'chat')).toBe(30)
    expect(edge(g, alice, bob, 'music')).toBe(50)
    // Revoking the scoped statement uncovers the unscoped one there; changing the unscoped one shows through.
    g.add(revocation(alice, bob, T0 + 1, 'chat'), T0 + 1)
    expect(edge(g, alice, bob, 'chat')).toBe(50)
    g.add(statement(alice, bob, 20, T0 + 2), T0 + 2)
    expect(edge(g, alice, bob, 'chat')).toBe(20)
    expect(edge(g, alice, bob, 'music')).toBe(20)
  })

  it('bounds the records of one truster', () => {
    const g = graph(3)
    for (let i = 0; i < 3; i++) g.add(statement(alice, person(10 + i)), T0)
    expect(() => g.add(statement(alice, person(20)), T0)).toThrow(expect.objectContaining({ code: 'TOO_MANY_RECORDS' }))
    // Superseding one of its own records needs no room.
    expect(g.add(statement(alice, person(10), 99, T0 + 1), T0 + 1).admission).toBe('new')
    expect(g.countOf(hex(alice))).toBe(3)
  })

  it('frees the index of an identity no record names any more, and gives it to the next one', () => {
    const g = graph()
    const view = new TrustView(g.layer(''), g.pin(hex(alice)), resolveMetric())
    g.add(statement(alice, bob), T0)
    const bobIndex = g.indexOf(hex(bob))!
    expect(view.trust(bobIndex)).toBe(0.25)
    g.remove(recordKey(statement(alice, bob)))
    expect(g.indexOf(hex(bob))).toBeUndefined()
    expect(view.trust(bobIndex)).toBe(0)
    g.add(statement(alice, carol, 100), T0)
    expect(g.indexOf(hex(carol))).toBe(bobIndex)
    expect(view.trust(bobIndex)).toBe(0.5)
    // The viewer is pinned: it keeps its index with no record naming it.
    g.remove(recordKey(statement(alice, carol)))
    expect(g.indexOf(hex(alice))).toBe(view.viewer)
  })
})
