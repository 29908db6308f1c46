// Observers' attestations and the web-of-trust TrustPolicy, on cores wired by hand: evidence, thresholds, checkpoints,
// ops confirmed, nullified or split, late ops, hostile attestations.
import { describe, expect, it } from 'vitest'
import type { Identity } from '@dscs/identity'
import type { CoreEffect, TrustStatusChange, TrustSubject } from '@dscs/interface'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import {
  AttestationPayloadKind,
  RECORDS_TOPIC,
  TrustWotCore,
  WotTrustPolicy,
  opSetRoot,
  signAttestation,
  type TrustWotEvent,
  type WotTrustPolicyOptions
} from '../src/index.js'
import { hex, outcomes, person, published, sends } from './helpers.js'

const T0 = 1_700_000_000_000
const DAY = 86_400_000
const INTERVAL = 1_000
const LAG = 500
const DOMAIN = 'ledger'
const [viewer, o1, o2, o3, stranger] = [person(1), person(11), person(12), person(13), person(99)]

const events = (effects: readonly CoreEffect<TrustWotEvent>[]): TrustWotEvent[] => effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []))

/** A viewer core trusting o1, o2, o3 at level 30 each (0.15 each), with a policy of threshold 0.25 attached. */
function setup(options: Partial<WotTrustPolicyOptions> = {}, onLowTrust: 'nullify' | 'split' = 'nullify') {
  const core = new TrustWotCore({ identity: viewer })
  for (const observer of [o1, o2, o3]) core.trust(observer.publicKey, { level: 30, expires: T0 + DAY }, T0)
  const policy = new WotTrustPolicy({ domains: { [DOMAIN]: { threshold: 0.25, onLowTrust } }, interval: INTERVAL, lag: LAG, ...options })
  core.attach(policy)
  const changes: TrustStatusChange[] = []
  policy.onStatusChange((change) => changes.push(change))
  return { core, policy, changes }
}

const opId = (n: number): string => bytesToHex(new Uint8Array(32).fill(n))
const subject = (n: number, timestamp: number, domain = DOMAIN): TrustSubject => ({ id: opId(n), author: new Uint8Array(32), kind: 'test.Op', timestamp, domain })

/** An observer's checkpoint of window `version` listing ops `ns`, as published bytes. */
function checkpoint(observer: Identity, version: number, ns: number[], signedAt = (version + 1) * INTERVAL + LAG): Uint8Array {
  const ops = ns.map((n) => hexToBytes(opId(n)))
  return signAttestation(observer, { domain: DOMAIN, version, time: (version + 1) * INTERVAL, stateRoot: opSetRoot(DOMAIN, version, ops), ops }, signedAt)
}

const V = Math.floor(T0 / INTERVAL) // the window of T0

describe('attestations', () => {
  it('are taken from trusted observers only, and reported', () => {
    const { core } = setup()
    const received = core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o1, V, [1]), (V + 1) * INTERVAL + LAG)
    expect(received.verdict).toBe('accept')
    expect(events(received.effects).map((e) => e.type)).toEqual(['attestation'])
    expect(core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(stranger, V, [1]), (V + 1) * INTERVAL + LAG)).toMatchObject({ verdict: 'ignore', effects: [] })
  })

  it('surface equivocation (one observer, two roots) and conflicts (two observers) as evidence', () => {
    const { core } = setup()
    const at = (V + 1) * INTERVAL + LAG
    core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o1, V, [1]), at)
    const equivocation = events(core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o1, V, [2]), at).effects)
    expect(equivocation).toMatchObject([{ type: 'evidence', evidence: { type: 'equivocation', domain: DOMAIN, version: V, attestations: [{ observer: hex(o1) }, { observer: hex(o1) }] } }])
    const conflict = events(core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o2, V, [3]), at).effects)
    expect(conflict.map((e) => e.type)).toEqual(['evidence', 'attestation'])
    expect(conflict[0]).toMatchObject({ evidence: { type: 'conflict', attestations: [{ observer: hex(o1) }, { observer: hex(o2) }] } })
    // The same second root again, from another observer, is no new conflict.
    expect(events(core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o3, V, [3]), at).effects).map((e) => e.type)).toEqual(['attestation'])
  })

  it('refuse op lists that do not hash to the root, unsorted lists, and attestations from the future', () => {
    const { core } = setup()
    const at = (V + 1) * INTERVAL + LAG
    const wrongRoot = signAttestation(o1, { domain: DOMAIN, version: V, time: at, stateRoot: new Uint8Array(32), ops: [hexToBytes(opId(1))] }, at)
    expect(outcomes(core.receiveTopic('mallory', RECORDS_TOPIC, wrongRoot, at).effects)).toEqual(['emit:refused', 'mallory BAD_ROOT'])
    const payload = AttestationPayloadKind.codec.encode({ domain: DOMAIN, stateRoot: new Uint8Array(32), version: V, time: at, ops: [hexToBytes(opId(2)), hexToBytes(opId(1))] })
    const unsorted = encodeEnvelope(signEnvelope(o1, createEnvelope({ kind: AttestationPayloadKind.name, payload, author: o1.publicKey, timestamp: at })))
    expect(outcomes(core.receiveTopic('mallory', RECORDS_TOPIC, unsorted, at).effects)).toEqual(['emit:refused', 'mallory BAD_RECORD'])
    const future = signAttestation(o1, { domain: DOMAIN, version: V, time: at + 120_000, stateRoot: new Uint8Array(32) }, at)
    expect(outcomes(core.receiveTopic('mallory', RECORDS_TOPIC, future, at).effects)).toEqual(['emit:refused', 'mallory FROM_FUTURE'])
    expect(() => signAttestation(o1, { domain: 'Bad Domain', version: V, time: at, stateRoot: new Uint8Array(32) }, at)).toThrow(expect.objectContaining({ code: 'BAD_RECORD' }))
  })

  it('travel to a peer as it connects, and a trusted root is the one root enough trust attests', () => {
    const { core } = setup()
    const at = (V + 1) * INTERVAL + LAG
    const snapshot = (observer: Identity, root: number) => signAttestation(observer, { domain: 'snapshots', version: 7, time: at, stateRoot: new Uint8Array(32).fill(root) }, at)
    core.receiveTopic('relay', RECORDS_TOPIC, snapshot(o1, 1), at)
    expect(core.trustedRoot('snapshots', 7, 0.25)).toBeUndefined()
    core.receiveTopic('relay', RECORDS_TOPIC, snapshot(o2, 1), at)
    expect(core.trustedRoot('snapshots', 7, 0.25)).toMatchObject({ stateRoot: new Uint8Array(32).fill(1), trust: 0.3 })
    // Another root attested by as much trust: contradiction, no trusted root.
    core.receiveTopic('relay', RECORDS_TOPIC, snapshot(o3, 2), at)
    expect(core.trustedRoot('snapshots', 7, 0.1)).toBeUndefined()
    expect(core.trustedRoot('snapshots', 7, 0.25)).toMatchObject({ trust: 0.3 })
    // A new node trusting the same observers gets the statements and attestations as it connects.
    const fresh = new TrustWotCore({ identity: person(2) })
    fresh.trust(viewer.publicKey, { level: 100, expires: T0 + DAY }, at)
    for (const { bytes } of sends(core.peerConnected('fresh', at))) fresh.receive('viewer', bytes, at)
    expect(fresh.trustedRoot('snapshots', 7, 0.01)).toBeUndefined() // o1 and o2 (root 1) and o3 (root 2) all reach 0.01
    expect(fresh.trustedRoot('snapshots', 7, 0.1)).toMatchObject({ stateRoot: new Uint8Array(32).fill(1) })
  })
})

describe('the web-of-trust policy', () => {
  it('keeps ops pending until observers with enough trust attest a checkpoint of their window, then confirms those it lists and nullifies the others', async () => {
    const { core, policy, changes } = setup()
    expect(policy.evaluate(subject(1, T0), T0)).toMatchObject({ status: 'pending' })
    expect(policy.evaluate(subject(2, T0 + 10), T0 + 10)).toMatchObject({ status: 'pending' })
    expect(policy.evaluate(subject(3, T0 + 20, 'other'), T0 + 20)).toMatchObject({ status: 'reject', code: 'UNKNOWN_DOMAIN' })
    const at = (V + 1) * INTERVAL + LAG
    core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o1, V, [1]), at)
    expect(changes).toEqual([]) // 0.15 of 0.25
    expect(policy.available(DOMAIN, at)).toBe(0.15)
    core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o2, V, [1]), at)
    expect(changes.map((c) => [c.id, c.status])).toEqual([
      [opId(1), 'confirmed'],
      [opId(2), 'nullified']
    ])
    expect(policy.pending).toBe(0)
    // Listed: accepted at once. Not listed and late: nullified once the caller holds it.
    expect(policy.evaluate(subject(1, T0), at)).toEqual({ status: 'accept' })
    expect(policy.evaluate(subject(4, T0 + 30), at)).toMatchObject({ status: 'pending' })
    await Promise.resolve()
    expect(changes.at(-1)).toMatchObject({ id: opId(4), status: 'nullified' })
  })

  it('in a split domain, keeps the ops it held that the checkpoint does not list as a history of their own', () => {
    const { core, policy, changes } = setup({}, 'split')
    const splits: unknown[] = []
    policy.onSplit((split) => splits.push(split))
    policy.evaluate(subject(1, T0), T0)
    policy.evaluate(subject(2, T0 + 10), T0 + 10)
    const at = (V + 1) * INTERVAL + LAG
    for (const observer of [o1, o2]) core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(observer, V, [1]), at)
    expect(changes.map((c) => [c.id, c.status])).toEqual([
      [opId(1), 'confirmed'],
      [opId(2), 'confirmed']
    ])
    expect(splits).toEqual([{ domain: DOMAIN, version: V, ids: [opId(2)] }])
    expect(policy.splits(DOMAIN)).toEqual(splits)
  })

  it('takes no checkpoint when two roots each reach the threshold, nor its own, and settles when trust shifts', () => {
    const { core, policy, changes } = setup()
    policy.evaluate(subject(1, T0), T0)
    const at = (V + 1) * INTERVAL + LAG
    // A node does not vouch for itself: its own attestation counts for others only.
    core.attest({ domain: DOMAIN, version: V, time: at, stateRoot: opSetRoot(DOMAIN, V, [hexToBytes(opId(1))]), ops: [hexToBytes(opId(1))] }, at)
    expect(changes).toEqual([])
    core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o1, V, [1]), at)
    // o3 and a stranger attest another root; once the viewer trusts the stranger fully, that root outweighs.
    core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(o3, V, [5]), at)
    expect(changes).toEqual([])
    core.trust(stranger.publicKey, { level: 100, expires: T0 + DAY }, at)
    core.receiveTopic('relay', RECORDS_TOPIC, checkpoint(stranger, V, [5]), at)
    expect(changes.map((c) => [c.id, c.status])).toEqual([[opId(1), 'nullified']])
  })

  it('attests every window as an observer, listing the ops it evaluated, and bounds what waits', () => {
    const observer = new TrustWotCore({ identity: o1 })
    const policy = new WotTrustPolicy({ domains: { [DOMAIN]: { threshold: 0.5, onLowTrust: 'nullify' } }, interval: INTERVAL, lag: LAG, observe: true, maxPending: 2 })
    observer.attach(policy)
    const changes: TrustStatusChange[] = []
    policy.onStatusChange((change) => changes.push(change))
    expect(observer.nextDeadline()).toBe(0) // due at once: it starts attesting, with the last window closed `lag` ago
    expect(events(observer.tick(T0))).toMatchObject([{ type: 'attestation', attestation: { version: V - 2, ops: [] } }])
    expect(observer.nextDeadline()).toBe(T0 + LAG)
    for (const n of [1, 2, 3]) policy.evaluate(subject(n, T0 + n), T0 + n)
    expect(changes.map((c) => [c.id, c.status])).toEqual([[opId(1), 'nullified']])
    // Empty windows are attested too: the observer's heartbeat, which tells viewers the trust available.
    const effects = observer.tick((V + 1) * INTERVAL + LAG)
    const bytes = published(effects).at(-1)
    expect(events(effects)).toMatchObject([
      { type: 'attestation', attestation: { version: V - 1, ops: [] } },
      { type: 'attestation', attestation: { domain: DOMAIN, version: V, ops: [opId(1), opId(2), opId(3)] } }
    ])
    // A viewer trusting o1 fully takes it (0.5 ≥ 0.5) and confirms what it lists.
    const { core: v, policy: vp, changes: vc } = setup()
    vp.evaluate(subject(2, T0 + 2), T0 + 2)
    v.trust(o1.publicKey, { level: 100, expires: T0 + DAY }, T0)
    v.receiveTopic('o1', RECORDS_TOPIC, bytes!, (V + 1) * INTERVAL + LAG)
    expect(vc.map((c) => [c.id, c.status])).toEqual([[opId(2), 'confirmed']])
  })
})
