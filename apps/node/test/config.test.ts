// dscs.config.json: defaults, every key, and a clear error naming the key for anything wrong.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nodeOptionsFromConfig, stateDomains } from '../src/commands/node.js'
import { DEFAULT_CONFIG, loadConfig, parseConfig } from '../src/config.js'
import { run, start } from './spawn.js'

describe('dscs.config.json', () => {
  it('fills in what a single user needs on loopback when empty', () => {
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG)
    expect(DEFAULT_CONFIG.domains).toEqual({ demo: { trust: 'signatures', partition: 'available' } })
  })

  it('reads every key', () => {
    const config = parseConfig({
      listen: ['/ip4/127.0.0.1/tcp/4001'],
      transports: ['tcp', 'websockets'],
      join: ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWxyz'],
      dht: true,
      relay: false,
      api: { port: 7000, tokenFile: 'token.txt' },
      layers: { chunks: false, routing: false },
      domains: { demo: { trust: 'none', partition: 'locked' }, ledger: { trust: 'signatures' } },
      chat: { topic: 'lobby', relayHistory: true }
    })
    expect(config).toEqual({
      listen: ['/ip4/127.0.0.1/tcp/4001'],
      transports: ['tcp', 'websockets'],
      join: ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWxyz'],
      dht: true,
      relay: false,
      api: { host: '127.0.0.1', port: 7000, tokenFile: 'token.txt' },
      layers: { chunks: false, routing: false },
      domains: { demo: { trust: 'none', partition: 'locked' }, ledger: { trust: 'signatures', partition: 'available' } },
      chat: { topic: 'lobby', relayHistory: true }
    })
    expect(parseConfig({ api: false }).api).toBeUndefined()
  })

  it('runs the config\'s domains in order, the typed flags setting the first one\'s; `--state` alone runs demo', () => {
    const domains = parseConfig({ domains: { ledger: { trust: 'none', partition: 'locked' }, scratch: {} } }).domains
    expect(stateDomains({ data: '', domains, trust: 'proof-of-work' })).toEqual([
      ['ledger', { trust: 'proof-of-work', partition: 'locked' }],
      ['scratch', { trust: 'signatures', partition: 'available' }]
    ])
    expect(stateDomains({ data: '', domains, partitionPolicy: 'tentative' })[0]).toEqual(['ledger', { trust: 'none', partition: 'tentative' }])
    expect(stateDomains({ data: '', state: true })).toEqual([['demo', { trust: 'signatures', partition: 'available' }]])
    expect(stateDomains({ data: '' })).toEqual([])
    expect(nodeOptionsFromConfig(parseConfig({ domains: {} }))).not.toHaveProperty('state')
  })

  it.each([
    [{ layrs: {} }, 'config: layrs: unknown key (known: listen, transports, join, dht, relay, api, layers, domains, chat)'],
    [{ layers: { chunk: true } }, 'config: layers.chunk: unknown key (known: chunks, routing)'],
    [{ layers: { routing: 'on' } }, 'config: layers.routing: expected true or false, got "on"'],
    [{ domains: { demo: { trust: 'blind faith' } } }, 'config: domains.demo.trust: expected one of none, signatures, proof-of-work, web-of-trust, observer, got "blind faith"'],
    [{ domains: { demo: { partition: 'maybe' } } }, 'config: domains.demo.partition: expected one of available, locked, tentative, got "maybe"'],
    [{ domains: { 'Bad Name': {} } }, 'config: domains.Bad Name: a domain name is 1 to 64 lowercase letters, digits or dashes, starting with a letter'],
    [{ domains: { ['x'.repeat(65)]: {} } }, `config: domains.${'x'.repeat(65)}: a domain name is 1 to 64 lowercase letters, digits or dashes, starting with a letter`],
    [
      { domains: { a: { trust: 'observer', observer: '12D3KooWone' }, b: { trust: 'observer', observer: '12D3KooWtwo' } } },
      'config: domains.b.observer: 12D3KooWtwo differs from the observer of domains.a: a node runs one observer client, shared by its domains'
    ],
    [{ transports: ['tcp', 'carrier-pigeon'] }, 'config: transports[1]: expected one of tcp, websockets, webrtc, webrtc-direct, circuit-relay, got "carrier-pigeon"'],
    [{ api: { port: 70_000 } }, 'config: api.port: expected a whole number from 0 to 65535, got 70000'],
    [{ dht: 'yes' }, 'config: dht: expected true or false, got "yes"'],
    [{ join: '/ip4/1.2.3.4' }, 'config: join: expected an array of strings, got "/ip4/1.2.3.4"'],
    [{ chat: {} }, 'config: chat.topic: expected a non-empty string, got nothing'],
    [[], 'config: expected an object, got []']
  ])('refuses %j with a message naming the key', (json, message) => {
    let thrown: unknown
    try {
      parseConfig(json)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toMatchObject({ code: 'BAD_CONFIG', message })
  })

  describe('dscs node --config', () => {
    let dir = ''
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it(
      'runs the layers the file selects, flags typed on the command line winning; a bad file is a one-line error',
      async () => {
        dir = await mkdtemp(join(tmpdir(), 'dscs-config-node-'))
        const file = join(dir, 'dscs.config.json')
        await writeFile(file, JSON.stringify({ transports: ['tcp'], api: { port: 0 }, layers: { chunks: false }, domains: { demo: { trust: 'none' } } }))
        const node = start(['node', '--data', join(dir, 'data'), '--config', file, '--json'], 60_000)
        try {
          const ready = await node.next('ready')
          expect((ready.multiaddrs as string[]).every((address) => address.includes('/tcp/') && !address.includes('/ws'))).toBe(true)
          const { url } = (await node.next('api')) as unknown as { url: string }
          const trust = (await (await fetch(`${url}api/trust`)).json()) as { domains: { name: string; mode: string }[] }
          expect(trust.domains).toEqual([{ name: 'demo', mode: 'none' }])
        } finally {
          node.child.kill('SIGTERM')
          await node.exit
        }

        await writeFile(file, JSON.stringify({ domains: { demo: { trust: 'blind faith' } } }))
        const bad = await run(['node', '--data', join(dir, 'data'), '--config', file])
        expect(bad.code).toBe(1)
        expect(bad.stderr.trim()).toBe(`dscs: ${file}: domains.demo.trust: expected one of none, signatures, proof-of-work, web-of-trust, observer, got "blind faith"`)
      },
      90_000
    )
  })

  describe('from a file', () => {
    let dir = ''
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('names the file in its errors, and refuses what is not JSON', async () => {
      dir = await mkdtemp(join(tmpdir(), 'dscs-config-'))
      const file = join(dir, 'dscs.config.json')
      await writeFile(file, JSON.stringify({ relay: false }))
      expect((await loadConfig(file)).relay).toBe(false)
      await writeFile(file, '{ "relay": fals')
      const notJson = (await loadConfig(file).catch((err: unknown) => err)) as Error
      expect(notJson).toMatchObject({ code: 'BAD_CONFIG' })
      expect(notJson.message).toContain(`${file}: not JSON`)
      await expect(loadConfig(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'BAD_FILE' })
    })
  })
})
