import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DscsError } from '@dscs/interface'

export interface DemoOptions {
  readonly nodes: number
  /** Keep the nodes' data directories instead of deleting them. */
  readonly keep?: boolean
  /** Give up after this long, ms. */
  readonly timeoutMs?: number
}

const TOPIC = 'dscs-demo'
const CLI = fileURLToPath(new URL('../cli.js', import.meta.url))

/** One `dscs node --json` child and what it reported. */
interface DemoNode {
  readonly index: number
  readonly process: ChildProcess
  peerId: string
  multiaddrs: string[]
  topicPeers: number
  readonly received: { from: string; author: string; text: string }[]
  exit: Promise<number | null>
}

type NodeEvent = { event: string } & Record<string, unknown>

/**
 * `dscs demo`: starts `nodes` real nodes as child processes on loopback, each
 * with its own data directory; the others join the first; each publishes a
 * signed envelope on a shared topic; the demo shows what every node received,
 * stops them with SIGTERM and checks they stopped cleanly.
 */
export async function runDemo(options: DemoOptions, log: (line: string) => void): Promise<boolean> {
  const count = options.nodes
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  const dir = await mkdtemp(join(tmpdir(), 'dscs-demo-'))
  const passphraseFile = join(dir, 'passphrase')
  await writeFile(passphraseFile, 'dscs demo\n', { mode: 0o600 })
  const nodes: DemoNode[] = []
  try {
    log(`starting ${count} DSCS nodes on loopback (data in ${dir})`)
    nodes.push(start(0, dir, passphraseFile, []))
    await until(() => nodes[0]!.multiaddrs.length > 0, deadline, 'the first node to listen')
    const entry = nodes[0]!.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws'))!
    log(`node 0 is ${nodes[0]!.peerId}, listening on ${entry}`)
    for (let i = 1; i < count; i++) nodes.push(start(i, dir, passphraseFile, [entry]))
    await until(() => nodes.every((n) => n.peerId !== ''), deadline, 'every node to start')
    for (const n of nodes.slice(1)) log(`node ${n.index} is ${n.peerId}, joining node 0`)

    await until(() => nodes.every((n) => n.topicPeers >= 1) && nodes[0]!.topicPeers >= count - 1, deadline, `every node to see the ${TOPIC} topic`)
    log(`all ${count} nodes share the topic ${TOPIC}; each publishes one signed envelope`)
    for (const n of nodes) n.process.stdin!.write(`hello from node ${n.index}\n`)
    await until(() => nodes.every((n) => n.received.length >= count - 1), deadline, 'every node to receive every message')

    log('what each node received, each envelope checked for size, replay window and signature:')
    const names = new Map(nodes.map((n) => [n.peerId, `node ${n.index}`]))
    const name = (peer: string): string => names.get(peer) ?? peer
    for (const n of nodes) {
      const lines = n.received.map((m) => `"${m.text}" signed by ${name(m.author)}${m.from === m.author ? '' : ` via ${name(m.from)}`}`)
      log(`  node ${n.index}: ${lines.join('; ')}`)
    }
    const complete = nodes.every((n) => {
      const authors = new Set(n.received.map((m) => m.author))
      return authors.size === count - 1 && !authors.has(n.peerId)
    })

    log('stopping every node with SIGTERM')
    for (const n of nodes) n.process.kill('SIGTERM')
    const codes = await Promise.all(nodes.map((n) => n.exit))
    const clean = codes.every((code) => code === 0)
    log(clean ? `all ${count} nodes stopped cleanly` : `exit codes: ${codes.join(', ')}`)
    log(complete && clean ? `demo complete: ${count} nodes, ${count * (count - 1)} deliveries, no loss` : 'demo FAILED')
    return complete && clean
  } finally {
    for (const n of nodes) if (n.process.exitCode === null && n.process.signalCode === null) n.process.kill('SIGKILL')
    await Promise.all(nodes.map((n) => n.exit))
    if (options.keep !== true) await rm(dir, { recursive: true, force: true })
  }
}

function start(index: number, dir: string, passphraseFile: string, join_: string[]): DemoNode {
  const args = [CLI, 'node', '--json', '--data', join(dir, `node${index}`), '--passphrase-file', passphraseFile, '--topic', TOPIC]
  args.push('--listen', '/ip4/127.0.0.1/tcp/0', '--no-relay')
  for (const address of join_) args.push('--join', address)
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const node: DemoNode = {
    index,
    process: child,
    peerId: '',
    multiaddrs: [],
    topicPeers: 0,
    received: [],
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  }
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event: NodeEvent
    try {
      event = JSON.parse(line) as NodeEvent
    } catch {
      return
    }
    if (event.event === 'ready') {
      node.peerId = event.peerId as string
      node.multiaddrs = event.multiaddrs as string[]
    } else if (event.event === 'topic-peers') node.topicPeers = event.count as number
    else if (event.event === 'message') node.received.push({ from: event.from as string, author: event.author as string, text: event.text as string })
  })
  return node
}

async function until(condition: () => boolean, deadline: number, what: string): Promise<void> {
  while (!condition()) {
    if (Date.now() > deadline) throw new DscsError('DEMO_TIMEOUT', `the demo timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
