import { describe, expect, it } from 'vitest'
import type { TrustStatusChange, TrustSubject } from '@dscs/interface'
import { observerTrustPolicy, type ClientEvent, type ObserverView, type VerifiedEvidence } from '../src/index.js'
import { T0 } from './fixtures.js'

/** A client as the policy sees it, driven by the test. */
class FakeView implements ObserverView {
  readonly included = new Map<string, number>()
  readonly watched = new Set<string>()
  evidence: VerifiedEvidence | undefined
  readonly #listeners = new Set<(event: ClientEvent) => void>()

  includedAt(id: string): number | undefined {
    return this.included.get(id)
  }
  watch(id: string): void {
    this.watched.add(id)
  }
  unwatch(id: string): void {
    this.watched.delete(id)
  }
  onEvent(listener: (event: ClientEvent) => void) {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
  emit(event: ClientEvent): void {
    if (event.type === 'included') this.included.set(event.id, event.index)
    if (event.type === 'equivocation' || event.type === 'omission') this.evidence = event.evidence
    this.#listeners.forEach((listener) => listener(event))
  }
}

const subject = (id: string): TrustSubject => ({ id, author: new Uint8Array(32), kind: 'test.Op', timestamp: T0, domain: 'default' })
const caught: VerifiedEvidence = { kind: 'fork', observer: new Uint8Array(32), bytes: new Uint8Array(0), at: 3 }

describe('the observer trust policy', () => {
  it('keeps an op pending, watched, until it is proven included; then confirms it', () => {
    const view = new FakeView()
    const policy = observerTrustPolicy(view)
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    expect(policy.mode).toBe('observer')
    expect(policy.evaluate(subject('a'), T0)).toMatchObject({ status: 'pending' })
    expect(view.watched.has('a')).toBe(true)
    view.emit({ type: 'included', id: 'a', index: 4, size: 9 })
    expect(changes).toEqual([{ id: 'a', status: 'confirmed', reason: expect.stringContaining('at 4') as string }])
    // Included already: accepted at once.
    expect(policy.evaluate(subject('a'), T0)).toEqual({ status: 'accept' })
  })

  it('nullifies the ops still pending when the observer is caught, keeps the confirmed ones, and refuses new ones', () => {
    const view = new FakeView()
    const policy = observerTrustPolicy(view)
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    for (const id of ['kept', 'lost-1', 'lost-2']) policy.evaluate(subject(id), T0)
    view.emit({ type: 'included', id: 'kept', index: 0, size: 1 })
    view.emit({ type: 'equivocation', evidence: caught, source: { detected: true } })
    expect(changes.map(({ id, status }) => [id, status])).toEqual([
      ['kept', 'confirmed'],
      ['lost-1', 'nullified'],
      ['lost-2', 'nullified']
    ])
    expect(policy.evaluate(subject('kept'), T0)).toEqual({ status: 'accept' })
    expect(policy.evaluate(subject('late'), T0)).toMatchObject({ status: 'reject', code: 'UNTRUSTED' })
    // An omission is the same verdict on the observer.
    const other = new FakeView()
    const second = observerTrustPolicy(other)
    const nullified: string[] = []
    second.onStatusChange((change) => change.status === 'nullified' && nullified.push(change.id))
    second.evaluate(subject('x'), T0)
    other.emit({ type: 'omission', evidence: { ...caught, kind: 'omission' }, source: { detected: false, from: 'peer' } })
    expect(nullified).toEqual(['x'])
  })

  it('bounds the ops it waits for: past maxPending the oldest is nullified and unwatched', () => {
    const view = new FakeView()
    const policy = observerTrustPolicy(view, { maxPending: 2 })
    const nullified: string[] = []
    policy.onStatusChange((change) => change.status === 'nullified' && nullified.push(change.id))
    for (const id of ['a', 'b', 'c']) policy.evaluate(subject(id), T0)
    expect(nullified).toEqual(['a'])
    expect([...view.watched]).toEqual(['b', 'c'])
    policy.close()
    view.emit({ type: 'included', id: 'b', index: 0, size: 1 })
    expect(nullified).toEqual(['a'])
  })
})
