import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareOps } from '../src/core/hlc.js'
import { StateGraph, type Batch } from '../src/core/graph.js'
import type { Op } from '../src/core/op.js'
import { thrownCode } from './fixtures.js'

interface Add {
  readonly key: string
  readonly add: number
}

function op(wall: number, counter: number, author: number, payload: Add, salt = 0): Op<Add> {
  const id = new Uint8Array(32)
  id[0] = author
  id[1] = salt
  new DataView(id.buffer).setFloat64(8, wall * 1000 + counter)
  return { wall, counter, author: new Uint8Array(32).fill(author), id, key: `${wall}.${counter}.${author}.${salt}`, payload, envelope: new Uint8Array(0) }
}

/** A counter map (sum per key, with an op log trace so order matters) and a computed total. */
function counters(options = {}) {
  const graph = new StateGraph<Add>(options)
  const sums = graph.reducer<{ sum: number; trace: string }>({
    name: 'sums',
    key: (o) => o.payload.key,
    // The trace makes the value depend on the order ops fold in, so a misplaced op shows.
    reduce: (previous, o) => ({ sum: previous.sum + o.payload.add, trace: `${previous.trace}|${o.key}`.slice(-200) }),
    initial: { sum: 0, trace: '' },
    equals: (a, b) => a.sum === b.sum && a.trace === b.trace
  })
  const total = graph.computed('total', (read) => read.keys(sums).reduce((acc, key) => acc + read.get(sums, key).sum, 0))
  return { graph, sums, total }
}

function replay(ops: readonly Op<Add>[]): Map<string, { sum: number; trace: string }> {
  const values = new Map<string, { sum: number; trace: string }>()
  for (const o of [...ops].sort(compareOps)) {
    const previous = values.get(o.payload.key) ?? { sum: 0, trace: '' }
    values.set(o.payload.key, { sum: previous.sum + o.payload.add, trace: `${previous.trace}|${o.key}`.slice(-200) })
  }
  return values
}

const opArbitrary = fc.record({
  wall: fc.integer({ min: 0, max: 50 }),
  counter: fc.integer({ min: 0, max: 3 }),
  author: fc.integer({ min: 1, max: 3 }),
  key: fc.constantFrom('a', 'b', 'c', 'd'),
  add: fc.integer({ min: -5, max: 5 }),
  status: fc.constantFrom('confirmed', 'pending', 'pending-then-confirmed', 'pending-then-nullified')
})

describe('StateGraph', () => {
  it('derives, from ops in any order with any statuses, what a fresh canonical replay derives', () => {
    fc.assert(
      fc.property(fc.uniqueArray(opArbitrary, { selector: (o) => `${o.wall}.${o.counter}.${o.author}` , maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.infiniteStream(fc.nat()), (specs, every, picks) => {
        const { graph, sums, total } = counters({ checkpointEvery: every, maxCheckpoints: 8 })
        const ops = specs.map((s) => ({ op: op(s.wall, s.counter, s.author, { key: s.key, add: s.add }), status: s.status }))
        graph.get('predicted', total) // live before the ops arrive, so it is maintained incrementally
        graph.get('confirmed', total)
        // Deliver in a random order; settle pending ops in another random order afterwards.
        const order = shuffle(ops, picks)
        for (const { op: o, status } of order) graph.insert(o, status === 'confirmed' ? ['predicted', 'confirmed'] : ['predicted'])
        for (const { op: o, status } of shuffle(order, picks)) {
          if (status === 'pending-then-confirmed') graph.insert(o, ['confirmed'])
          if (status === 'pending-then-nullified') graph.remove(o, ['predicted'])
        }
        const predicted = replay(ops.filter((o) => o.status !== 'pending-then-nullified').map((o) => o.op))
        const confirmed = replay(ops.filter((o) => o.status === 'confirmed' || o.status === 'pending-then-confirmed').map((o) => o.op))
        for (const key of ['a', 'b', 'c', 'd']) {
          expect(graph.get('predicted', sums, key)).toEqual(predicted.get(key) ?? { sum: 0, trace: '' })
          expect(graph.get('confirmed', sums, key)).toEqual(confirmed.get(key) ?? { sum: 0, trace: '' })
        }
        const sum = (m: Map<string, { sum: number }>) => [...m.values()].reduce((acc, v) => acc + v.sum, 0)
        expect(graph.get('predicted', total)).toBe(sum(predicted))
        expect(graph.get('confirmed', total)).toBe(sum(confirmed))
        expect(graph.checkpoints().count).toBeLessThanOrEqual(8)
      }),
      { numRuns: 300 }
    )
  })

  it('integrates a late op into its place and flags the change as a correction', () => {
    const { graph, sums } = counters()
    const batches: Batch[] = []
    graph.subscribe((batch) => batches.push(batch))
    graph.insert(op(10, 0, 1, { key: 'a', add: 1 }), ['predicted'])
    graph.insert(op(30, 0, 1, { key: 'a', add: 2 }), ['predicted'])
    expect(batches.at(-1)!.correction).toBe(false)
    graph.insert(op(20, 0, 2, { key: 'a', add: 4 }), ['predicted'])
    expect(graph.get('predicted', sums, 'a')).toEqual({ sum: 7, trace: '|10.0.1.0|20.0.2.0|30.0.1.0' })
    expect(batches.at(-1)).toMatchObject({ correction: true, changes: [{ view: 'predicted', name: 'sums', key: 'a', correction: true }] })
  })

  it('removes a nullified op and recomputes what depended on it', () => {
    const { graph, sums, total } = counters()
    const doubtful = op(20, 0, 2, { key: 'b', add: 5 })
    graph.insert(op(10, 0, 1, { key: 'a', add: 1 }), ['predicted', 'confirmed'])
    graph.insert(doubtful, ['predicted'])
    expect(graph.get('predicted', total)).toBe(6)
    expect(graph.get('confirmed', total)).toBe(1)
    const batches: Batch[] = []
    graph.subscribe((batch) => batches.push(batch))
    graph.remove(doubtful, ['predicted'])
    expect(graph.get('predicted', sums, 'b').sum).toBe(0)
    expect(batches).toHaveLength(1)
    const totalChange = batches[0]!.changes.find((c) => c.name === 'total')
    expect(totalChange).toMatchObject({ view: 'predicted', value: 1, previous: 6, correction: true })
  })

  it('notifies nobody when a recompute changes nothing (equality cut-off)', () => {
    const graph = new StateGraph<Add>()
    const sums = graph.reducer<number>({ name: 'sums', key: (o) => o.payload.key, reduce: (p, o) => p + o.payload.add, initial: 0 })
    let parityRuns = 0
    const parity = graph.computed('parity', (read) => {
      parityRuns++
      return read.get(sums, 'a') % 2
    })
    let labelRuns = 0
    const label = graph.computed('label', (read) => {
      labelRuns++
      return read.get(parity) === 0 ? 'even' : 'odd'
    })
    expect(graph.get('predicted', label)).toBe('even')
    const batches: Batch[] = []
    graph.subscribe((batch) => batches.push(batch))
    graph.insert(op(1, 0, 1, { key: 'a', add: 0 }), ['predicted']) // the sum stays 0: nothing downstream reruns
    expect([parityRuns, labelRuns, batches.length]).toEqual([1, 1, 0])
    graph.insert(op(2, 0, 1, { key: 'a', add: 2 }), ['predicted']) // parity reruns, stays 0: label does not
    expect([parityRuns, labelRuns]).toEqual([2, 1])
    expect(batches).toHaveLength(1)
    expect(batches[0]!.changes.map((c) => c.name)).toEqual(['sums'])
  })

  it('gives one glitch-free notification per batch', () => {
    const graph = new StateGraph<Add>()
    const sums = graph.reducer<number>({ name: 'sums', key: (o) => o.payload.key, reduce: (p, o) => p + o.payload.add, initial: 0 })
    const a = graph.computed('a', (read) => read.get(sums, 'x'))
    const b = graph.computed('b', (read) => read.get(sums, 'x') * 2)
    const seen: [number, number][] = []
    // Diamond: c reads a and b, which both follow x; c must never see one updated and not the other.
    const c = graph.computed('c', (read) => {
      seen.push([read.get(a), read.get(b)])
      return read.get(a) + read.get(b)
    })
    expect(graph.get('predicted', c)).toBe(0)
    const batches: Batch[] = []
    graph.subscribe((batch) => batches.push(batch))
    graph.batch(() => {
      graph.insert(op(1, 0, 1, { key: 'x', add: 1 }), ['predicted'])
      graph.insert(op(2, 0, 1, { key: 'x', add: 2 }), ['predicted'])
    })
    expect(batches).toHaveLength(1)
    expect(graph.get('predicted', c)).toBe(9)
    for (const [av, bv] of seen) expect(bv).toBe(av * 2)
    expect(batches[0]!.changes.map((change) => change.name).sort()).toEqual(['a', 'b', 'c', 'sums'])
  })

  it('keeps a reducer that throws from breaking the state, and reports it', () => {
    const errors: string[] = []
    const graph = new StateGraph<Add>({ onUserError: (node) => errors.push(node) })
    const sums = graph.reducer<number>({
      name: 'sums',
      key: (o) => o.payload.key,
      reduce: (p, o) => {
        if (o.payload.add < 0) throw new Error('negative')
        return p + o.payload.add
      },
      initial: 0
    })
    graph.insert(op(1, 0, 1, { key: 'x', add: 3 }), ['predicted'])
    graph.insert(op(2, 0, 1, { key: 'x', add: -1 }), ['predicted'])
    graph.insert(op(3, 0, 1, { key: 'x', add: 4 }), ['predicted'])
    expect(graph.get('predicted', sums, 'x')).toBe(7)
    expect(errors).toEqual(['sums'])
  })

  it('refuses a computed value that depends on itself', () => {
    const graph = new StateGraph<Add>()
    const self: { node?: ReturnType<typeof graph.computed<number>> } = {}
    self.node = graph.computed('loop', (read) => read.get(self.node!) + 1)
    expect(thrownCode(() => graph.get('predicted', self.node!))).toBe('CYCLE')
  })

  it('refuses a source or computed value declared inside a computation', () => {
    const graph = new StateGraph<Add>()
    const inner = graph.computed('inner', () => graph.computed('again', () => 1))
    expect(thrownCode(() => graph.get('predicted', inner))).toBe('DECLARED_IN_COMPUTATION')
  })

  it('bounds checkpoint memory by thinning as keys fill up', () => {
    const { graph } = counters({ checkpointEvery: 2, maxCheckpoints: 50 })
    for (let i = 0; i < 1000; i++) graph.insert(op(i, 0, 1, { key: `k${i % 10}`, add: 1 }), ['predicted', 'confirmed'])
    const { count, every } = graph.checkpoints()
    expect(count).toBeLessThanOrEqual(50)
    expect(every).toBeGreaterThan(2)
  })

  it('compacts settled ops into bases without changing any value', () => {
    const { graph, sums } = counters({ checkpointEvery: 3 })
    for (let i = 0; i < 40; i++) graph.insert(op(i, 0, 1, { key: `k${i % 3}`, add: i }), ['predicted', 'confirmed'])
    const before = ['k0', 'k1', 'k2'].map((k) => graph.get('predicted', sums, k))
    graph.compact((o) => o.wall < 25)
    expect(['k0', 'k1', 'k2'].map((k) => graph.get('predicted', sums, k))).toEqual(before)
    // A late op after the compaction point still lands in its place.
    graph.insert(op(30, 1, 1, { key: 'k0', add: 100 }), ['predicted'])
    expect(graph.get('predicted', sums, 'k0').sum).toBe(before[0]!.sum + 100)
    expect(graph.bases().length).toBe(6)
  })
})

function shuffle<T>(items: readonly T[], picks: fc.Stream<number>): T[] {
  const out = [...items]
  const it = picks[Symbol.iterator]()
  for (let i = out.length - 1; i > 0; i--) {
    const j = (it.next().value as number) % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
