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

type Views = Record<'predicted' | 'confirmed', { counters: Record<string, number>; note: string }> & { text: string }

/** One `dscs node --json --state` child and what it reported. */
interface DemoNode {
  readonly index: number
  readonly process: ChildProcess
  peerId: string
  publicKey: string
  multiaddrs: string[]
  topicPeers: number
  readonly received: { from: string; author: string; text: string }[]
  /** The shared state as of its last change. */
  state: Views | undefined
  /** Changes flagged as corrections: a late op rewrote the past. */
  readonly corrections: { view: string; name: string; key?: string; previous: unknown; value: unknown }[]
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
  const deadline = Date.now() + (options.timeoutMs ?? 120_000)
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
    // The last node starts offline: what it writes now reaches the others late.
    const latecomer = count - 1
    for (let i = 1; i < count; i++) nodes.push(start(i, dir, passphraseFile, i === latecomer ? [] : [entry]))
    await until(() => nodes.every((n) => n.peerId !== ''), deadline, 'every node to start')
    for (const n of nodes.slice(1, latecomer)) log(`node ${n.index} is ${n.peerId}, joining node 0`)
    log(`node ${latecomer} is ${nodes[latecomer]!.peerId}, offline for now`)
    const online = nodes.slice(0, latecomer)
    const tell = (n: DemoNode, line: string): void => void n.process.stdin!.write(`${line}\n`)

    log(`shared state (domain "demo", trust: signatures of an allow-list): every node trusts nodes 0-${latecomer - 1}`)
    for (const n of nodes) for (const trusted of online) tell(n, `/allow ${trusted.publicKey}`)
    tell(nodes[latecomer]!, '/add apples 10')
    tell(nodes[latecomer]!, `/note written offline by node ${latecomer}`)
    tell(nodes[latecomer]!, `/text node ${latecomer} wrote this line offline`)
    await until(() => nodes[latecomer]!.state?.predicted.counters.apples === 10, deadline, `node ${latecomer} to apply its own ops`)
    log(`node ${latecomer}, offline, adds 10 apples and writes a note; it sees apples = 10 at once (speculative)`)
    await new Promise((resolve) => setTimeout(resolve, 200)) // the others' ops are newer
    for (const n of online) tell(n, '/add apples 1')
    for (const n of online) tell(n, `/text node ${n.index} wrote this line`)
    tell(nodes[0]!, '/note hello from node 0')
    await until(() => online.every((n) => n.state?.confirmed.counters.apples === online.length), deadline, 'the online nodes to agree')
    log(`nodes 0-${latecomer - 1} each add 1 apple; they agree: apples = ${online.length}, note "hello from node 0"`)

    log(`node ${latecomer} joins node 0: anti-entropy brings its older ops in late`)
    tell(nodes[latecomer]!, `/join ${entry}`)
    const predicted = online.length + 10
    await until(() => nodes.every((n) => n.state?.predicted.counters.apples === predicted), deadline, 'every node to integrate the late ops')
    for (const n of online) {
      // The late +10: ops of the online nodes can also land out of order among themselves, which corrects too.
      const c = n.corrections.find((change) => change.key === 'apples' && change.view === 'predicted' && Number(change.value) - Number(change.previous) === 10)
      if (c !== undefined) log(`  node ${n.index}: predicted apples ${String(c.previous)} → ${String(c.value)}, a correction: the past was rewritten`)
    }
    const views = (n: DemoNode): string => `apples predicted ${n.state!.predicted.counters.apples}, confirmed ${n.state!.confirmed.counters.apples ?? 0}; note "${n.state!.predicted.note}"`
    const witness = online.at(-1)!
    log(`  node ${witness.index}: ${views(witness)} — the late note is older, so it changes nothing (equality cut-off)`)
    log(`  node ${latecomer}'s ops are pending (not on the allow-list): predicted only`)

    log(`every node now trusts node ${latecomer}: its ops are confirmed`)
    for (const n of nodes) tell(n, `/allow ${nodes[latecomer]!.publicKey}`)
    await until(() => nodes.every((n) => n.state?.confirmed.counters.apples === predicted), deadline, 'every node to confirm the late ops')
    for (const n of nodes) log(`  node ${n.index}: ${views(n)}`)
    await until(() => nodes.every((n) => n.state?.text.split('\n').length === count + 1 && n.state.text === nodes[0]!.state?.text), deadline, 'the shared text to merge')
    log(`the shared text (a Y.Text) merged the lines written apart; every node holds:`)
    for (const line of nodes[0]!.state!.text.trimEnd().split('\n')) log(`  | ${line}`)
    const stateAgrees = nodes.every((n) => JSON.stringify(n.state) === JSON.stringify(nodes[0]!.state))

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
    const ok = complete && clean && stateAgrees
    log(ok ? `demo complete: ${count} nodes, one shared state, ${count * (count - 1)} deliveries, no loss` : 'demo FAILED')
    return ok
  } finally {
    for (const n of nodes) if (n.process.exitCode === null && n.process.signalCode === null) n.process.kill('SIGKILL')
    await Promise.all(nodes.map((n) => n.exit))
    if (options.keep !== true) await rm(dir, { recursive: true, force: true })
  }
}

function start(index: number, dir: string, passphraseFile: string, join_: string[]): DemoNode {
  const args = [CLI, 'node', '--json', '--state', '--data', join(dir, `node${index}`), '--passphrase-file', passphraseFile, '--topic', TOPIC]
  args.push('--listen', '/ip4/127.0.0.1/tcp/0', '--no-relay')
  for (const address of join_) args.push('--join', address)
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const node: DemoNode = {
    index,
    process: child,
    peerId: '',
    publicKey: '',
    multiaddrs: [],
    topicPeers: 0,
    received: [],
    state: undefined,
    corrections: [],
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
      node.publicKey = event.publicKey as string
      node.multiaddrs = event.multiaddrs as string[]
    } else if (event.event === 'state-change') {
      node.state = event.state as Views
      for (const change of event.changes as (DemoNode['corrections'][number] & { correction: boolean })[]) if (change.correction) node.corrections.push(change)
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
