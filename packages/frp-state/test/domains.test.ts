// Several state domains on one libp2p node: each domain has its own protocols and topics, so the services of two
// domains run side by side on the same two nodes, converge each by itself, and never see each other's messages.
import { createNode, type DscsNode } from '@dscs/net'
import { generateIdentity } from '@dscs/identity'
import { waitFor } from '@dscs/test-support'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { FrpStateCore, YDocSyncCore, checkDomain, frpState, opProtocol, opTopic, yjsProtocol, yjsTopic, type FrpState, type FrpStateServiceEvent } from '../src/index.js'
import { counterApp, type Add } from './fixtures/counter-app.js'

const started: DscsNode[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()))
})

/** A node running one counter state (with a Y.Doc `notes`) per named domain; every service event is kept. */
async function nodeWith(...domains: string[]) {
  const apps = Object.fromEntries(domains.map((domain) => [domain, { ...counterApp(), doc: new Y.Doc() }]))
  const node = await createNode({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    relayServer: false,
    services: Object.fromEntries(domains.map((domain) => [`state-${domain}`, frpState({ graph: apps[domain]!.graph, codec: apps[domain]!.codec, domain, docs: { notes: apps[domain]!.doc } })]))
  })
  started.push(node)
  const events: FrpStateServiceEvent<Add>[] = []
  const state = (domain: string) => node.libp2p.services[`state-${domain}`] as FrpState<Add>
  for (const domain of domains) state(domain).onEvent((event) => events.push(event))
  const total = (domain: string) => apps[domain]!.graph.get('confirmed', apps[domain]!.total)
  const text = (domain: string) => apps[domain]!.doc.getText('t')
  return { node, state, total, text, events }
}

describe('several state domains on one libp2p node', () => {
  it('two domains on the same two nodes converge each by itself and stay separate: ops, anti-entropy and Yjs', async () => {
    const a = await nodeWith('alpha', 'beta')
    const b = await nodeWith('alpha', 'beta')
    // Written apart, so anti-entropy and the Yjs sync of each domain carry them, not gossip.
    await a.state('alpha').submit({ counter: 'x', by: 1 })
    await b.state('beta').submit({ counter: 'x', by: 20 })
    a.text('alpha').insert(0, 'alpha from a. ')
    b.text('beta').insert(0, 'beta from b. ')

    await a.node.dial(b.node.multiaddrs()[0]!)
    await waitFor(() => a.total('beta') === 20 && b.total('alpha') === 1, 'the ops written apart to reach the other node, each in its domain')
    await waitFor(() => b.text('alpha').toJSON() === 'alpha from a. ' && a.text('beta').toJSON() === 'beta from b. ', 'the texts written apart, each in its domain')

    // Live ops by gossip, once each domain's topic has both peers (a publisher sends only to peers it knows are subscribed).
    const meshed = (domain: string) => [a, b].every((n) => n.node.net.topicPeers(opTopic(domain)).length === 1)
    await waitFor(() => meshed('alpha') && meshed('beta'), 'both domains’ topics')
    await b.state('alpha').submit({ counter: 'y', by: 300 })
    await a.state('beta').submit({ counter: 'y', by: 4000 })
    await waitFor(() => [a, b].every((n) => n.total('alpha') === 301 && n.total('beta') === 4020), 'both domains to converge on both nodes')

    // Nothing crossed: each domain holds its own ops and text, and no message was refused or penalised.
    for (const n of [a, b]) {
      expect(n.text('alpha').toJSON()).toBe('alpha from a. ')
      expect(n.text('beta').toJSON()).toBe('beta from b. ')
    }
    expect([...a.events, ...b.events].filter((e) => e.type === 'refused')).toEqual([])
    expect(a.node.net.penalties(b.node.peerId).total + b.node.net.penalties(a.node.peerId).total).toBe(0)
  }, 60_000)

  it('a node that runs one domain only syncs it with a node that runs two, without blame for the domain it lacks', async () => {
    const both = await nodeWith('alpha', 'beta')
    const betaOnly = await nodeWith('beta')
    await both.state('alpha').submit({ counter: 'x', by: 5 })
    await both.state('beta').submit({ counter: 'x', by: 7 })
    await betaOnly.node.dial(both.node.multiaddrs()[0]!)
    await waitFor(() => betaOnly.total('beta') === 7, 'the shared domain to sync')
    // The alpha service's sync to a node without alpha finds no protocol there: a send error, never a penalty.
    await waitFor(() => both.events.some((e) => e.type === 'send-error'), 'the alpha sync to fail to open a stream')
    expect(betaOnly.node.net.penalties(both.node.peerId).total + both.node.net.penalties(betaOnly.node.peerId).total).toBe(0)
    expect(both.total('alpha')).toBe(5)
    // A sync asked for (a heal) with the node that lacks alpha ends as soon as the stream fails, not at its 30 s
    // timeout: the session's slot is free again at once.
    const sync = both.state('alpha').sync(betaOnly.node.peerId, { timeout: 30_000 })
    await expect(sync).rejects.toMatchObject({ code: 'SYNC_ABORTED' })
    expect((await sync.catch((error: Error) => error.message)) as string).toMatch(/could not send/)
  }, 60_000)
})

describe('domain names', () => {
  it('go into each domain’s protocol ids and topics', () => {
    expect(opProtocol('ledger')).toBe('/dscs/frp-state/ledger/1.0.0')
    expect(yjsProtocol('ledger')).toBe('/dscs/frp-state/ledger/yjs/1.0.0')
    expect(opTopic('ledger')).toBe('dscs/frp-state/ledger/ops')
    expect(yjsTopic('ledger', 'notes')).toBe('dscs/frp-state/ledger/yjs/notes')
    // The ops' protocol of a domain named `yjs` is not any domain's Yjs protocol: those have one more segment.
    expect(opProtocol('yjs').split('/')).toHaveLength(yjsProtocol('a').split('/').length - 1)
  })

  it.each(['', 'Ledger', 'a/b', '1st', 'a_b', 'a.b', 'x'.repeat(65), 'ledger '])('refuses %j with BAD_DOMAIN wherever a domain is given', (domain) => {
    const bad: unknown = expect.objectContaining({ code: 'BAD_DOMAIN' })
    expect(() => checkDomain(domain)).toThrow(bad)
    expect(() => opProtocol(domain)).toThrow(bad)
    expect(() => yjsProtocol(domain)).toThrow(bad)
    expect(() => new FrpStateCore({ ...counterApp(), identity: generateIdentity(), domain })).toThrow(bad)
    expect(() => new YDocSyncCore({ identity: generateIdentity(), domain })).toThrow(bad)
  })

  it('a valid name makes protocol ids of exactly one segment more; any other string is BAD_DOMAIN', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (domain) => {
        let id: string
        try {
          id = opProtocol(domain)
        } catch (err) {
          expect(err).toMatchObject({ code: 'BAD_DOMAIN' })
          return
        }
        expect(id.split('/')).toEqual(['', 'dscs', 'frp-state', domain, '1.0.0'])
      })
    )
  })
})
