// Stale peer records are forgotten: measurements, coordinates and capacity records of peers gone quiet, so memory
// stays bounded by the peers actually heard of recently and no old score lingers.
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '@dscs/identity'
import { RoutingOptimizerCore, RoutingTable, type Coordinate } from '../src/index.js'

const coordinate: Coordinate = { vector: [10, 0, 0], height: 1, error: 0.5 }
const record = { uploadBytesPerSecond: 1e6, relay: true, coordinate }

describe('pruning stale peer records', () => {
  it('forgets the peers nothing was heard of since the cut-off, whichever record it was, and keeps the rest whole', () => {
    const table = new RoutingTable({ maxPeers: 16, vivaldi: { random: () => 0.5 } })
    table.observeRtt('measured-early', 20, 0, coordinate)
    table.advertised('advertised-early', record, 0, 0)
    table.observeTransfer('transfer-early', 1e6, 100, 10)
    table.advertised('advertised-late', record, 900, 900)
    table.observeRtt('measured-late', 20, 1_000, coordinate)
    // Heard early, then again later: only the later time counts.
    table.observeRtt('renewed', 20, 0)
    table.observeOutcome('renewed', true, 950)
    // Measured early, advertising still: forgotten whole or not at all, so a liar keeps its measured capacity.
    table.observeTransfer('still-advertising', 1e3, 1_000, 0)
    table.advertised('still-advertising', record, 990, 990)
    expect(table.peers().sort()).toEqual(['advertised-early', 'advertised-late', 'measured-early', 'measured-late', 'renewed', 'still-advertising', 'transfer-early'])

    table.prune(500)
    expect(table.peers().sort()).toEqual(['advertised-late', 'measured-late', 'renewed', 'still-advertising'])
    expect(table.measurements('still-advertising')?.throughput).toBe(1e3)
    expect(table.capacityRecord('advertised-early')).toBeUndefined()
    expect(table.predictRtt('measured-early')).toBeUndefined()
    expect(table.measurements('transfer-early')).toBeUndefined()
    expect(table.capacityRecord('advertised-late')).toBeDefined()
    expect(table.predictRtt('measured-late')).toBeDefined()
  })

  it('forgets a peer a core has not heard of for staleAfter, at its next tick', () => {
    const core = new RoutingOptimizerCore({ identity: generateIdentity(), randomBytes: (n) => new Uint8Array(n).fill(7), staleAfter: 60_000 })
    core.table.observeTransfer('gone', 1e6, 100, 0)
    core.table.observeTransfer('here', 1e6, 100, 0)
    core.tick(59_000)
    core.table.observeTransfer('here', 1e6, 100, 59_000)
    expect(core.table.peers().sort()).toEqual(['gone', 'here'])
    core.tick(60_001)
    expect(core.table.peers()).toEqual(['here'])
  })

  it('holds at most maxPeers records of each kind however many peers come and go', () => {
    const table = new RoutingTable({ maxPeers: 8, vivaldi: { random: () => 0.5 } })
    for (let i = 0; i < 1_000; i++) {
      table.observeRtt(`p${i}`, 20, i, coordinate)
      table.advertised(`a${i}`, record, i, i)
    }
    expect(table.peers()).toHaveLength(16)
    table.prune(995)
    expect(table.peers().sort()).toEqual(['a995', 'a996', 'a997', 'a998', 'a999', 'p995', 'p996', 'p997', 'p998', 'p999'])
  })
})
