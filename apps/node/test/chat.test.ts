// `dscs chat` as two people use it: real processes on loopback, lines typed on standard input.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { waitFor } from '@dscs/test-support'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { TEXT_KIND } from '../src/chat.js'
import { start, type JsonEvent, type Running } from './spawn.js'

// Bounds against hangs, not timings: node processes start on a loaded 2-core machine.
const TEST_BOUND_MS = 90_000
const TOPIC = 'lobby'

describe('dscs chat', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function chat(...flags: string[]): Promise<Running & { address: string; type(line: string): void; lines(text: string): JsonEvent[] }> {
    const data = await mkdtemp(join(tmpdir(), 'dscs-chat-'))
    const running = start(['chat', '--data', data, '--transports', 'tcp', '--topic', TOPIC, '--json', ...flags], TEST_BOUND_MS, { stdin: true })
    cleanups.push(async () => {
      running.child.kill('SIGTERM')
      await running.exit
      await rm(data, { recursive: true, force: true })
    })
    const ready = await running.next('ready')
    return {
      ...running,
      address: (ready.multiaddrs as string[])[0]!,
      type: (line) => running.child.stdin!.write(`${line}\n`),
      lines: (text) => running.events.filter((e) => e.event === 'message' && e.text === text)
    }
  }

  async function inProcessNode(): Promise<DscsNode> {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false })
    cleanups.push(() => node.stop())
    return node
  }

  const onTopic = (running: Running, count: number) => waitFor(() => running.events.some((e) => e.event === 'topic-peers' && (e.count as number) >= count), `${count} peer(s) on the topic`, 30_000)

  it(
    'delivers a typed line to the other terminal with its author, and shows a replayed line once',
    async () => {
      const alice = await chat()
      const bob = await chat('--join', alice.address)
      await onTopic(alice, 1)
      await onTopic(bob, 1)
      // A listener that keeps the bytes of what it hears, to replay them.
      const recorder = await inProcessNode()
      const heard: Uint8Array[] = []
      recorder.net.subscribe(TOPIC, ({ bytes }) => (heard.push(bytes), 'accept'))
      await recorder.dial(alice.address)
      await waitFor(() => recorder.net.topicPeers(TOPIC).length === 1, 'the recorder on the topic', 30_000)
      await onTopic(alice, 2)

      alice.type('hello bob')
      const [line] = await Promise.all([bob.next('message'), waitFor(() => heard.length === 1, 'the recorder to hear it', 30_000)])
      expect(line).toMatchObject({ text: 'hello bob', relayed: false, author: (await alice.next('ready')).peerId })

      // A replayer that never saw the line sends its bytes to bob, then a line of its own on the same connection.
      const replayer = await inProcessNode()
      replayer.net.subscribe(TOPIC, () => 'accept')
      await replayer.dial(bob.address)
      await waitFor(() => replayer.net.topicPeers(TOPIC).length === 1, 'the replayer on the topic', 30_000)
      await onTopic(bob, 2)
      await replayer.net.publish(TOPIC, heard[0]!)
      const marker = signEnvelope(replayer.identity, createEnvelope({ kind: TEXT_KIND, payload: new TextEncoder().encode('after the replay'), author: replayer.identity.publicKey, timestamp: Date.now() }))
      await replayer.net.publish(TOPIC, encodeEnvelope(marker))
      await waitFor(() => bob.lines('after the replay').length === 1, 'the line after the replay', 30_000)
      expect(bob.lines('hello bob')).toHaveLength(1)
    },
    TEST_BOUND_MS
  )

  it(
    'relays each side’s history when they meet, shown once and marked untrusted',
    async () => {
      const alice = await chat('--relay-history')
      const bob = await chat('--relay-history', '--join', alice.address)
      await onTopic(bob, 1)
      // Carol chats alone: she is the other side of a partition.
      const carol = await chat('--relay-history')
      alice.type('said while apart, by alice')
      await waitFor(() => bob.lines('said while apart, by alice').length === 1, "bob to hear alice's line", 30_000)
      carol.type('said while apart, by carol')
      await carol.next('published')

      // The partition heals: carol meets alice; each relays what she saw, and bob hears carol's line through alice.
      carol.type(`/join ${alice.address}`)
      await waitFor(() => carol.lines('said while apart, by alice').length === 1, "alice's history at carol", 30_000)
      await waitFor(() => alice.lines('said while apart, by carol').length === 1 && bob.lines('said while apart, by carol').length === 1, "carol's history at alice and bob", 30_000)
      expect(carol.lines('said while apart, by alice')[0]).toMatchObject({ relayed: true })
      expect(bob.lines('said while apart, by carol')[0]).toMatchObject({ relayed: true })
      // Lines bob already had are not shown again when alice's history passes him.
      expect(bob.lines('said while apart, by alice')).toHaveLength(1)
    },
    TEST_BOUND_MS
  )
})
