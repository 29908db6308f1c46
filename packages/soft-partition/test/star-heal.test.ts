// A star: every member connected to the hub alone, as `dscs node`s dialled only the first without the DHT. Members
// reach each other only through the hub (indirect probes), and after a heal a leaf must take back members it cannot
// dial and that were never suspected on their own side: they refute only a suspicion that reaches them.
import { describe, expect, it } from 'vitest'
import { cluster } from './cluster.js'

describe('a star split and healed', () => {
  it('ends with every member in every view, leaves included', async () => {
    const { sim, nodes, join } = cluster({ seed: 21, size: 1 })
    const hub = nodes[0]!
    const leaves = [join(hub), join(hub), join(hub), join(hub)]
    const all = [hub, ...leaves]
    const ids = all.map((node) => node.id).sort()
    await sim.run({ until: 40_000 })
    expect(all.map((node) => node.app!.core.partition().component)).toEqual(all.map(() => ids))
    // The hub keeps two leaves; the other two lose their one link and are alone.
    sim.partition([[hub, leaves[0]!, leaves[1]!], [leaves[2]!], [leaves[3]!]])
    await sim.run({ until: 120_000 })
    expect(leaves[2]!.app!.core.partition()).toMatchObject({ component: [leaves[2]!.id], majority: false })
    expect(hub.app!.core.partition().component).toHaveLength(3)
    sim.heal()
    await sim.run({ until: 240_000 })
    expect(all.map((node) => [node.id, node.app!.core.partition().component])).toEqual(all.map((node) => [node.id, ids]))
  })
})
