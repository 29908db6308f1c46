// ClientService.crossCheck after a partition between two groups of clients: a forking observer that showed each
// group its own log is caught when the groups rejoin and cross-check; an honest one passes.
import { describe, expect, it } from 'vitest'
import { Simulation, type SimNode } from '@dscs/netsim'
import type { CrossCheckReport } from '../src/index.js'
import { forkingObserver } from './liars.js'
import { clientApp, observerApp, type ClientApp } from './sim-apps.js'

const FORK = 2_000
const HEAL = 6_000
const GROUP_A = new Set(['peer-1', 'peer-2'])

async function splitThenCrossCheck(forking: boolean): Promise<{ reports: (CrossCheckReport | undefined)[]; sizes: number[] }> {
  const sim = new Simulation({ seed: 8, link: { latencyMs: 40, jitterMs: 10 } })
  const [observer] = sim.addPeers(1, (peer) => (forking ? forkingObserver(peer, GROUP_A, FORK) : observerApp(peer)))
  // Clients poll rarely: after the heal, only the cross-check brings the other group's heads.
  const clients: SimNode<ClientApp>[] = sim.addPeers(4, (peer) => clientApp(peer, observer!.id, { pollInterval: 60_000 }))
  const [a1, a2, b1, b2] = clients
  // The two groups reach the observer but not each other.
  for (const a of [a1!, a2!]) for (const b of [b1!, b2!]) sim.cut(a, b)
  sim.at(500, () => a1!.app!.submit())
  for (const [at, who] of [[2_100, a1], [2_150, a2], [2_200, a1], [2_100, b2], [2_300, b1]] as const) sim.at(at, () => who!.app!.submit())
  const reports: (CrossCheckReport | undefined)[] = clients.map(() => undefined)
  sim.at(HEAL, () => {
    sim.heal()
    clients.forEach((client, i) => void client.app!.service.crossCheck().then((report) => (reports[i] = report)))
  })
  await sim.run({ until: HEAL + 10_000 })
  return { reports, sizes: clients.map((client) => client.app!.service.latest?.value.size ?? -1) }
}

describe('ClientService.crossCheck', { timeout: 60_000 }, () => {
  it('catches an observer that showed two groups two logs, once the groups rejoin: an equivocation, reported by every client', async () => {
    const { reports } = await splitThenCrossCheck(true)
    for (const report of reports) {
      expect(report).toBeDefined()
      expect(report!.timedOut).toBe(false)
      expect(report!.evidence?.kind).toBe('fork')
    }
  })

  it('finds nothing against an honest observer: every client ends on one consistent head', async () => {
    const { reports, sizes } = await splitThenCrossCheck(false)
    for (const report of reports) expect(report).toMatchObject({ evidence: undefined, timedOut: false })
    expect(new Set(sizes)).toEqual(new Set([6]))
  })
})
