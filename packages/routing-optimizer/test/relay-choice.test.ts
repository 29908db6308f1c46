// How a browser peer chooses the relay it reserves a circuit-relay slot at, and where it goes when that relay fails:
// units on the table, then relays on a simulated network measured by the core's own signed pings.
import { describe, expect, it } from 'vitest'
import type { PeerRef } from '@dscs/interface'
import { RelayFailover, RoutingTable, rankRelays, type CapacityRecordValue } from '../src/index.js'
import { geoCluster } from './geo-cluster.js'

const coordinate = { vector: [0, 0, 0], height: 1, error: 1 }
const record = (uploadBytesPerSecond: number, relay: boolean): CapacityRecordValue => ({ uploadBytesPerSecond, relay, coordinate })
const newTable = (): RoutingTable => new RoutingTable({ maxPeers: 16, vivaldi: { random: () => 0.5 } })

function measure(table: RoutingTable, peer: PeerRef, rtt: number, times = 4): void {
  for (let i = 0; i < times; i++) table.observeRtt(peer, rtt, i)
}

describe('rankRelays', () => {
  it('puts the relay measured fastest first, leaves out one whose record refuses to relay, and keeps the given order on ties', () => {
    const table = newTable()
    measure(table, 'slow', 300)
    measure(table, 'fast', 8)
    measure(table, 'refuses', 2)
    table.advertised('refuses', record(5e6, false), 0, 0)
    expect(rankRelays(table, ['slow', 'refuses', 'fast', 'unknown-a', 'unknown-b'])).toEqual(['fast', 'unknown-a', 'unknown-b', 'slow'])
  })

  it('weighs capacity, measured over advertised: a relay claiming more than it delivers loses its place', () => {
    const table = newTable()
    measure(table, 'liar', 20)
    measure(table, 'honest', 20)
    table.advertised('liar', record(50e6, true), 0, 0)
    table.advertised('honest', record(2e6, true), 0, 0)
    expect(rankRelays(table, ['honest', 'liar'])).toEqual(['liar', 'honest'])
    // Two transfers at 100 kB/s: the claim of 50 MB/s is 500× what it delivers.
    table.observeTransfer('liar', 100_000, 1_000, 10)
    table.observeTransfer('liar', 100_000, 1_000, 11)
    expect(table.score('liar').overclaimed).toBe(true)
    expect(rankRelays(table, ['liar', 'honest'])).toEqual(['honest', 'liar'])
  })
})

describe('RelayFailover', () => {
  it('skips a relay that failed for retryAfter, then offers it again below the ones that did not fail', () => {
    const table = newTable()
    measure(table, 'fast', 10)
    measure(table, 'slow', 200)
    const failover = new RelayFailover(table, ['slow', 'fast'], 30_000)
    expect(failover.order(1_000)).toEqual(['fast', 'slow'])
    failover.failed('fast', 1_000)
    expect(failover.order(1_001)).toEqual(['slow'])
    expect(failover.retryAt()).toBe(31_000)
    failover.failed('slow', 2_000)
    expect(failover.order(2_001)).toEqual([])
    expect(failover.order(31_000)).toEqual(['fast'])
    failover.reserved('fast', 31_000)
    expect(failover.retryAt()).toBe(32_000)
    failover.candidates = ['fast']
    expect(failover.retryAt()).toBeUndefined()
  })
})

describe('relay choice on a simulated network', () => {
  it('measures three relays with signed pings, reserves at the nearest that relays, and fails over to the next when it crashes', async () => {
    // Node 0 is the browser peer; 1, 2 and 3 are relays 5, 150 and 2 ms away (one way); 3 says it does not relay.
    const oneWay = [0, 5, 150, 2]
    const cluster = geoCluster({
      seed: 3,
      size: 4,
      degree: 'none',
      jitterMs: 1,
      routing: (index) =>
        index === 0 ? { probeInterval: 1e9 } : { probeInterval: 1e9, advertiseInterval: 1_000, capacity: () => ({ uploadBytesPerSecond: 5e6, relay: index !== 3 }) }
    })
    const [browser, near, far, refusing] = cluster.nodes
    for (const relay of [near!, far!, refusing!]) {
      cluster.connect(0, cluster.nodes.indexOf(relay))
      cluster.sim.setLink(browser!, relay, { latencyMs: oneWay[cluster.nodes.indexOf(relay)]! })
    }
    const table = browser!.app!.core.table
    const failover = new RelayFailover(table, [far!.id, refusing!.id, near!.id], 30_000)
    for (let round = 0; round < 4; round++) cluster.sim.at(2_000 + round * 1_000, () => [near!, far!, refusing!].forEach((relay) => browser!.app!.ping(relay.id)))
    await cluster.sim.run({ until: 8_000 })

    expect(table.capacityRecord(refusing!.id)?.relay).toBe(false)
    expect(table.measurements(near!.id)?.rtt).toBeGreaterThanOrEqual(10)
    expect(table.measurements(far!.id)?.rtt).toBeGreaterThanOrEqual(300)
    const now = cluster.sim.now
    expect(failover.order(now)).toEqual([near!.id, far!.id])

    // The nearest relay crashes: its reservation is lost, its pings time out, and the browser moves to the next.
    cluster.sim.crash(near!)
    failover.failed(near!.id, now)
    cluster.sim.at(now + 100, () => browser!.app!.ping(near!.id))
    await cluster.sim.run({ until: now + 20_000 })
    expect(failover.order(cluster.sim.now)).toEqual([far!.id])
    expect(table.measurements(near!.id)?.reliability).toBeLessThan(table.measurements(far!.id)!.reliability)
  })
})
