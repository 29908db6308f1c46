// The write gate, the tentative trust policy and the healer, against a partition view the test sets.
import { describe, expect, it } from 'vitest'
import type { TrustSubject, TrustStatusChange } from '@dscs/interface'
import { Healer, SoftPartitionError, WriteGate, tentativeHealLayer, tentativeTrust, type PartitionState } from '../src/index.js'

const state = (majority: boolean, epoch = 1): PartitionState => ({ epoch, component: ['a'], direct: [], indirect: [], unreached: [], known: 3, majority })
const subject = (id: string): TrustSubject => ({ id, author: new Uint8Array(32), kind: 'k', timestamp: 0, domain: 'd' })

describe('WriteGate', () => {
  it('admits every write with a majority; on a minority, locked refuses, tentative marks, available admits', () => {
    let view = state(true)
    const gate = new WriteGate(() => view, { l: 'locked', t: 'tentative', a: 'available' })
    for (const domain of ['l', 't', 'a', 'unnamed']) expect(gate.admit(domain)).toEqual({ tentative: false, epoch: 1 })
    view = state(false, 2)
    expect(() => gate.admit('l')).toThrow(SoftPartitionError)
    expect(gate.admit('t')).toEqual({ tentative: true, epoch: 2 })
    expect(gate.admit('a')).toEqual({ tentative: false, epoch: 2 })
    expect(gate.policy('unnamed')).toBe('available')
  })
})

describe('tentativeTrust', () => {
  it('holds what a minority accepts pending, confirms it once a majority is back, and nullifies past its bound', () => {
    let view = state(false)
    const trust = tentativeTrust({ view: () => view, maxTentative: 2 })
    const changes: TrustStatusChange[] = []
    trust.onStatusChange((change) => changes.push(change))
    for (const id of ['x', 'y', 'z']) expect(trust.evaluate(subject(id), 0).status).toBe('pending')
    expect(changes).toEqual([expect.objectContaining({ id: 'x', status: 'nullified' })])
    expect(trust.reconfirm()).toEqual({ confirmed: 0, nullified: 0 }) // still a minority
    view = state(true)
    expect(trust.evaluate(subject('w'), 0)).toEqual({ status: 'accept' })
    expect(trust.reconfirm()).toEqual({ confirmed: 2, nullified: 1 })
    expect(changes.slice(1).map((c) => [c.id, c.status])).toEqual([
      ['y', 'confirmed'],
      ['z', 'confirmed']
    ])
    expect(trust.tentative).toBe(0)
  })
})

describe('Healer', () => {
  it('calls every layer when members rejoin, reports each, and a failing layer stops none of the others', async () => {
    const view = state(true, 5)
    const trust = tentativeTrust({ view: () => view })
    const healer = new Healer()
    healer.register({ name: 'broken', heal: () => Promise.reject(new Error('boom')) })
    healer.register(tentativeHealLayer(trust))
    expect(await healer.onPartition({ state: view, left: ['b'], joined: [] })).toBeUndefined()
    const report = await healer.onPartition({ state: view, left: [], joined: ['b'] })
    expect(report).toMatchObject({ epoch: 5, rejoined: ['b'], layers: [{ layer: 'tentative', diverged: 0, nullified: 0 }], failed: [{ layer: 'broken' }] })
  })
})
