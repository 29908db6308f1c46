// Vivaldi on a geographic network in netsim: nodes ping their neighbours and exchange signed capacity records
// (which carry coordinates), and predict the RTT to every other node, measured or not.
import { describe, expect, it } from 'vitest'
import { geoCluster, median } from './geo-cluster.ts'

const SIZE = 40

describe('routing optimizer on a geographic network', () => {
  it('converges: coordinates predict RTTs to peers never measured, and each node reports its prediction error', async () => {
    const { sim, nodes, geo } = geoCluster({
      seed: 1,
      size: SIZE,
      degree: 8,
      routing: { probeInterval: 250, advertiseInterval: 10_000, capacity: () => ({ uploadBytesPerSecond: 1e6, relay: false }) }
    })
    const errorAt = (): { all: number; unmeasured: number; unmeasuredPairs: number } => {
      const all: number[] = []
      const unmeasured: number[] = []
      for (let i = 0; i < SIZE; i++) {
        const table = nodes[i]!.app!.core.table
        for (let j = 0; j < SIZE; j++) {
          if (i === j) continue
          const predicted = table.predictRtt(nodes[j]!.id)
          const truth = geo.rttMs(i, j)
          const error = predicted === undefined ? 1 : Math.abs(predicted - truth) / truth
          all.push(error)
          if (table.measurements(nodes[j]!.id) === undefined) unmeasured.push(error)
        }
      }
      return { all: median(all), unmeasured: median(unmeasured), unmeasuredPairs: unmeasured.length }
    }
    await sim.run({ until: 5_000 })
    const early = errorAt()
    await sim.run({ until: 90_000 })
    const late = errorAt()
    const reported = nodes.map((node) => node.app!.core.table.predictionError())
    console.log(
      `Vivaldi on ${SIZE} geographic nodes: median relative error, all pairs ${early.all.toFixed(3)} at 5 s → ${late.all.toFixed(3)} at 90 s; ` +
        `never-measured pairs ${late.unmeasured.toFixed(3)} (${late.unmeasuredPairs}); reported by the nodes: median estimate ` +
        `${median(reported.map((r) => r.estimate)).toFixed(3)}, median measured ${median(reported.map((r) => r.median!)).toFixed(3)}`
    )
    expect(late.all).toBeLessThan(early.all)
    expect(late.all).toBeLessThan(0.2)
    expect(late.unmeasuredPairs).toBeGreaterThan(SIZE * (SIZE - 12))
    expect(late.unmeasured).toBeLessThan(0.25)
    for (const report of reported) {
      expect(report.peers).toBeGreaterThanOrEqual(2)
      expect(report.median).toBeLessThan(0.5)
      expect(report.estimate).toBeLessThan(0.5)
    }
  }, 120_000)
})
