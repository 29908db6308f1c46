import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { peerIdOfPublicKey, signEnvelope } from '@dscs/identity'
import { createNode, type DscsNode } from '@dscs/net'
import { createEnvelope, decodeEnvelope, encodeEnvelope } from '@dscs/wire'
import type { Output } from '../output.js'

export interface NodeCommandOptions {
  readonly data: string
  readonly listen?: string[]
  readonly join?: string[]
  readonly passphraseFile?: string
  readonly topic?: string
  readonly dht?: boolean
  readonly relay?: boolean
}

/** The payload kind of lines typed into `dscs node --topic`. */
export const TEXT_KIND = 'dscs.node.Text'

/**
 * `dscs node`: starts a node on the data directory and joins the given peers;
 * with `--topic`, prints every message on the topic and publishes each line
 * read from standard input as a signed envelope. Runs until SIGINT or SIGTERM,
 * then stops cleanly.
 */
export async function runNode(options: NodeCommandOptions, out: Output): Promise<void> {
  const passphrase = options.passphraseFile === undefined ? (process.env.DSCS_PASSPHRASE ?? '') : await readPassphrase(options.passphraseFile)
  const node = await createNode({
    dataDir: options.data,
    passphrase,
    ...(options.listen === undefined ? {} : { listen: options.listen }),
    ...(options.dht === true ? { dht: true } : {}),
    ...(options.relay === false ? { relayServer: false } : {})
  })
  const stop = stopOnSignal(node, out)
  out.event('ready', { peerId: node.peerId, multiaddrs: node.multiaddrs(), dataDir: options.data }, readyText(node, options.data))
  node.net.onPeer((e) => out.event(`peer:${e.type}`, { peer: e.peer }, `${e.type === 'connect' ? '+' : '-'} peer ${e.peer}`))

  for (const address of options.join ?? []) {
    try {
      await node.dial(address)
    } catch (err) {
      out.event('join-failed', { address, error: (err as Error).message }, `could not join ${address}: ${(err as Error).message}`)
    }
  }
  if (options.topic !== undefined) chat(node, options.topic, out)
  await stop
}

function readyText(node: DscsNode, dataDir: string): string {
  return [`DSCS node ${node.peerId}`, ...node.multiaddrs().map((a) => `  listening on ${a}`), `  data in ${dataDir}`].join('\n')
}

async function readPassphrase(file: string): Promise<string> {
  // One trailing newline is an artefact of editors and `echo`, not part of the passphrase.
  return (await readFile(file, 'utf8')).replace(/\r?\n$/, '')
}

/** Prints the topic's messages; publishes each line of standard input; reports how many peers share the topic. */
function chat(node: DscsNode, topic: string, out: Output): void {
  node.net.subscribe(topic, ({ from, bytes }) => {
    const envelope = decodeEnvelope(bytes)
    if (envelope.kind !== TEXT_KIND) return 'ignore'
    const text = new TextDecoder().decode(envelope.payload)
    // `from` relayed it; the author signed it, and is who wrote it.
    const author = peerIdOfPublicKey(envelope.author).toString()
    out.event('message', { topic, from, author, text }, `[${topic}] ${author.slice(-8)}: ${text}`)
    return 'accept'
  })
  let lastCount = -1
  const poll = setInterval(() => {
    const count = node.net.topicPeers(topic).length
    if (count !== lastCount) out.event('topic-peers', { topic, count }, `${count} peer(s) on ${topic}`)
    lastCount = count
  }, 200)
  poll.unref()
  const lines = createInterface({ input: process.stdin })
  lines.on('line', (line) => {
    if (line.trim() === '') return
    const envelope = signEnvelope(
      node.identity,
      createEnvelope({ kind: TEXT_KIND, payload: new TextEncoder().encode(line), author: node.identity.publicKey, timestamp: Date.now() })
    )
    node.net
      .publish(topic, encodeEnvelope(envelope))
      .then(() => out.event('published', { topic, text: line }, `> ${line}`))
      .catch((err: unknown) => out.event('publish-failed', { topic, error: (err as Error).message }, `could not publish: ${(err as Error).message}`))
  })
}

/** Resolves once the node stopped after SIGINT or SIGTERM; a second signal exits at once. */
function stopOnSignal(node: DscsNode, out: Output): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130)
      stopping = true
      out.event('stopping', { signal }, `${signal}: stopping…`)
      node
        .stop()
        .then(() => {
          out.event('stopped', {}, 'stopped cleanly')
          process.stdin.destroy()
          resolve()
        })
        .catch((err: unknown) => {
          out.event('stop-failed', { error: (err as Error).message }, `stop failed: ${(err as Error).message}`)
          process.exitCode = 1
          resolve()
        })
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}
