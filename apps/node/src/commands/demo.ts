import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { DscsError } from '@dscs/interface'
import type { TrustMode } from '../config.js'

export interface DemoOptions {
  readonly nodes: number
  /** What confirms an op in the shared state (default signatures). */
  readonly trust?: TrustMode
  /** Keep the nodes running after the tour, with the dashboard, until SIGINT or SIGTERM. */
  readonly stay?: boolean
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
  /** The dashboard's URL, for the node that serves one. */
  dashboard: string | undefined
  /** Content ids this node stored (`/put`) and fetched (`/get`). */
  readonly put: string[]
  readonly fetched: string[]
  /** The partition view at its last change: how many members its component holds, and whether that is a majority. */
  partition: { component: number; known: number; majority: boolean } | undefined
  /** Heals it reported: the members that rejoined, and what each layer found diverged. */
  readonly heals: { rejoined: string[]; layers: { layer: string; diverged: number; received?: number; sent?: number }[] }[]
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
 * `dscs demo`, the guided tour: starts `nodes` real nodes as child processes
 * on loopback, each with its own data directory, the first serving the
 * dashboard; shows the shared state hiding latency (ops applied at once, a
 * late one correcting the past) and confirmed under the chosen trust mode, a
 * chunk transfer, a partition and its heal, and signed messages on a topic; then stops them with
 * SIGTERM and checks they stopped cleanly (with `stay`, only on Ctrl-C).
 */
export async function runDemo(options: DemoOptions, log: (line: string) => void): Promise<boolean> {
  const count = options.nodes
  const trust = options.trust ?? 'signatures'
  const deadline = Date.now() + (options.timeoutMs ?? 180_000)
  const dir = await mkdtemp(join(tmpdir(), 'dscs-demo-'))
  const passphraseFile = join(dir, 'passphrase')
  await writeFile(passphraseFile, 'dscs demo\n', { mode: 0o600 })
  const nodes: DemoNode[] = []
  const helpers: ChildProcess[] = []
  try {
    log(`starting ${count} DSCS nodes on loopback (data in ${dir}); the shared state's trust mode: ${trust} (${TRUST_STORIES[trust]})`)
    const modeFlags = ['--trust', trust]
    const everyoneJoins: string[] = []
    if (trust === 'observer') {
      const observer = await startObserver(dir, passphraseFile, deadline)
      helpers.push(observer.process)
      modeFlags.push('--observer', observer.peerId)
      everyoneJoins.push(observer.address)
      log(`an observer orders the ops: ${observer.peerId}`)
    }
    nodes.push(start(0, dir, passphraseFile, everyoneJoins, [...modeFlags, '--api', '0']))
    await until(() => nodes[0]!.multiaddrs.length > 0 && nodes[0]!.dashboard !== undefined, deadline, 'the first node to listen')
    const entry = nodes[0]!.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws'))!
    log(`node 0 is ${nodes[0]!.peerId}, listening on ${entry}`)
    log(`  its dashboard: ${nodes[0]!.dashboard!} (peers, predicted and confirmed state, transfers, live events)`)
    // The last node starts apart from the others: what it writes now reaches them late. Not under the web of trust, which
    // drops ops made where no trusted observer saw them (the history trusted observers saw wins): there it is merely slow.
    const latecomer = count - 1
    const apart = trust !== 'web-of-trust'
    for (let i = 1; i < count; i++) nodes.push(start(i, dir, passphraseFile, i === latecomer && apart ? everyoneJoins : [entry, ...everyoneJoins], modeFlags))
    await until(() => nodes.every((n) => n.peerId !== ''), deadline, 'every node to start')
    for (const n of nodes.slice(1, latecomer)) log(`node ${n.index} is ${n.peerId}, joining node 0`)
    log(`node ${latecomer} is ${nodes[latecomer]!.peerId}, ${apart ? 'apart from the others for now' : 'joining node 0, its ops a little late'}`)
    const online = nodes.slice(0, latecomer)
    const tell = (n: DemoNode, line: string): void => void n.process.stdin!.write(`${line}\n`)
    // Signatures and the web of trust confirm what trusted authors write: each node trusts those it has met.
    const trusting = trust === 'signatures' || trust === 'web-of-trust'
    if (trusting) {
      log(`every node trusts nodes 0-${latecomer - 1} (/allow)`)
      for (const n of nodes) for (const trusted of online) if (trusted !== n) tell(n, `/allow ${trusted.publicKey}`)
    }

    log('— latency hiding: every op applies at once, a late one rewrites the past —')
    tell(nodes[latecomer]!, '/add apples 10')
    tell(nodes[latecomer]!, `/note written apart by node ${latecomer}`)
    tell(nodes[latecomer]!, `/text node ${latecomer} wrote this line apart`)
    await until(() => nodes[latecomer]!.state?.predicted.counters.apples === 10, deadline, `node ${latecomer} to apply its own ops`)
    log(`node ${latecomer}, apart, adds 10 apples and writes a note; it sees apples = 10 at once (speculative)`)
    await new Promise((resolve) => setTimeout(resolve, 200)) // the others' ops are newer
    for (const n of online) tell(n, '/add apples 1')
    for (const n of online) tell(n, `/text node ${n.index} wrote this line`)
    tell(nodes[0]!, '/note hello from node 0')
    const together = apart ? online.length : online.length + 10
    await until(() => online.every((n) => n.state?.predicted.counters.apples === together), deadline, 'the nodes together to agree')
    log(`nodes 0-${latecomer - 1} each add 1 apple; each sees its own at once, the others' as they arrive: apples = ${together}`)
    await until(() => online.every((n) => n.state?.confirmed.counters.apples === together), deadline, `the ${trust} mode to confirm their ops`)
    log(`  confirmed by the ${trust} mode: apples = ${together} in every node's confirmed view`)

    if (apart) {
      log(`node ${latecomer} joins node 0: anti-entropy brings its older ops in late`)
      tell(nodes[latecomer]!, `/join ${entry}`)
    }
    const predicted = online.length + 10
    await until(() => nodes.every((n) => n.state?.predicted.counters.apples === predicted), deadline, 'every node to integrate the late ops')
    for (const n of online) {
      // The late +10: ops of the nodes together can also land out of order among themselves, which corrects too.
      const c = n.corrections.find((change) => change.key === 'apples' && change.view === 'predicted' && Number(change.value) - Number(change.previous) === 10)
      if (c !== undefined) log(`  node ${n.index}: predicted apples ${String(c.previous)} → ${String(c.value)}, a correction: the past was rewritten`)
    }
    const views = (n: DemoNode): string => `apples predicted ${n.state!.predicted.counters.apples ?? 0}, confirmed ${n.state!.confirmed.counters.apples ?? 0}; note "${n.state!.predicted.note}"`
    log(`  node ${online.at(-1)!.index}: ${views(online.at(-1)!)} — the late note is older, so it changes nothing (equality cut-off)`)
    if (trusting) {
      log(`every node now trusts node ${latecomer} too: its ops are confirmed`)
      for (const n of nodes) if (n.index !== latecomer) tell(n, `/allow ${nodes[latecomer]!.publicKey}`)
    }
    // The confirmed view catches up with the predicted one; the web of trust may instead drop ops too few trusted observers saw.
    const settled = (n: DemoNode): boolean => n.state !== undefined && JSON.stringify(n.state.confirmed) === JSON.stringify(n.state.predicted) && JSON.stringify(n.state) === JSON.stringify(nodes[0]!.state)
    await until(() => nodes.every(settled), deadline, `the ${trust} mode to settle the late ops`)
    for (const n of nodes) log(`  node ${n.index}: ${views(n)}`)
    await until(() => nodes.every((n) => n.state !== undefined && n.state.text === nodes[0]!.state?.text && n.state.text.split('\n').length === count + 1), deadline, 'the shared text to merge')
    log(`the shared text (a Y.Text) merged the lines written apart; every node holds:`)
    for (const line of nodes[0]!.state!.text.trimEnd().split('\n')) log(`  | ${line}`)

    log('— a chunk transfer: content split into verified chunks, served by every node that holds them —')
    const file = join(dir, 'content.bin')
    await writeFile(file, randomBytes(CONTENT_BYTES))
    tell(nodes[0]!, `/put ${file}`)
    await until(() => nodes[0]!.put.length === 1, deadline, 'node 0 to store the file')
    const cid = nodes[0]!.put[0]!
    log(`node 0 stores ${CONTENT_BYTES / 1024 / 1024} MiB as ${cid}; nodes 1-${latecomer} fetch it, each chunk checked against the content id`)
    for (const n of nodes.slice(1)) tell(n, `/get ${cid}`)
    await until(() => nodes.slice(1).every((n) => n.fetched.includes(cid)), deadline, 'every node to fetch the content')
    log(`  every node holds ${cid} and seeds it`)

    log('— a partition and its heal: each side keeps writing, then the sides merge —')
    const majority = nodes.slice(0, Math.floor(count / 2) + 1)
    const minority = nodes.slice(majority.length)
    // Every node dials every other first: a join through one node reaches every view (anti-entropy), but SWIM probes each
    // member directly, and without the DHT a node cannot dial a member it only heard of: that one it would reach only through others.
    for (const n of nodes) for (const other of nodes) if (other !== n) tell(n, `/join ${other.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws'))!}`)
    const sides = (): string => nodes.map((n) => `node ${n.index}: ${JSON.stringify(n.partition)}`).join('; ')
    await until(() => nodes.every((n) => n.partition?.known === count && n.partition.component === count), deadline, () => `every node to count all ${count} as members (${sides()})`)
    const cutBetween = (command: string): void => {
      for (const a of majority) for (const b of minority) tell(a, `${command} ${b.peerId}`)
      for (const b of minority) for (const a of majority) tell(b, `${command} ${a.peerId}`)
    }
    cutBetween('/block')
    log(`nodes ${majority.map((n) => n.index).join(', ')} and nodes ${minority.map((n) => n.index).join(', ')} cut every link between them (/block)`)
    await until(() => majority.every((n) => n.partition?.majority === true && n.partition.component === majority.length) && minority.every((n) => n.partition?.majority === false && n.partition.component === minority.length), deadline, () => `each side to see the partition (${sides()})`)
    log(`  each side sees it: ${majority.length} of ${count} members is a majority, ${minority.length} of ${count} a minority (SWIM: failed probes, suspicion, then down)`)
    const healsBefore = nodes.map((n) => n.heals.length)
    tell(majority[0]!, '/add pears 1')
    tell(minority[0]!, '/add pears 2')
    await until(() => majority.every((n) => n.state?.predicted.counters.pears === 1) && minority.every((n) => n.state?.predicted.counters.pears === 2), deadline, 'each side to apply its own write')
    log(`  node ${majority[0]!.index} adds 1 pear, node ${minority[0]!.index} adds 2: each side sees only its own (the domain's policy: available)`)
    cutBetween('/unblock')
    log('the links come back (/unblock): the membership merges and each node heals (frp-state anti-entropy with the members that rejoined)')
    await until(() => nodes.every((n, i) => n.heals.length > healsBefore[i]! && n.state?.predicted.counters.pears === 3) && nodes.every(settled), deadline, 'the sides to heal and converge')
    for (const n of nodes) {
      const heals = n.heals.slice(healsBefore[n.index])
      const frp = heals.flatMap((heal) => heal.layers).filter((layer) => layer.layer.startsWith('frp-state '))
      const crossed = `frp-state: ${frp.reduce((sum, l) => sum + (l.received ?? 0), 0)} received, ${frp.reduce((sum, l) => sum + (l.sent ?? 0), 0)} sent`
      log(`  node ${n.index}: healed with ${heals.at(-1)!.rejoined.length} member(s) (${crossed}); pears predicted ${n.state!.predicted.counters.pears}, confirmed ${n.state!.confirmed.counters.pears ?? 0}`)
    }

    await until(() => nodes.every((n) => n.topicPeers >= 1) && nodes[0]!.topicPeers >= count - 1, deadline, `every node to see the ${TOPIC} topic`)
    log(`— signed messages: all ${count} nodes share the topic ${TOPIC}; each publishes one signed envelope —`)
    for (const n of nodes) n.process.stdin!.write(`hello from node ${n.index}\n`)
    await until(() => nodes.every((n) => n.received.length >= count - 1), deadline, 'every node to receive every message')
    log('what each node received, each envelope checked for size, replay window and signature:')
    const names = new Map(nodes.map((n) => [n.peerId, `node ${n.index}`]))
    const name = (peer: string): string => names.get(peer) ?? peer
    for (const n of nodes) {
      const lines = n.received.map((m) => `"${m.text}" signed by ${name(m.author)}${m.from === m.author ? '' : ` via ${name(m.from)}`}`)
      log(`  node ${n.index}: ${lines.join('; ')}`)
    }
    const stateAgrees = nodes.every((n) => JSON.stringify(n.state) === JSON.stringify(nodes[0]!.state))
    const complete = nodes.every((n) => {
      const authors = new Set(n.received.map((m) => m.author))
      return authors.size === count - 1 && !authors.has(n.peerId)
    })

    if (options.stay === true) {
      log(`the nodes keep running: the dashboard is at ${nodes[0]!.dashboard!} — press Ctrl-C to stop them`)
      await new Promise((resolve) => (process.once('SIGINT', resolve), process.once('SIGTERM', resolve)))
    }
    log('stopping every node with SIGTERM')
    for (const n of nodes) n.process.kill('SIGTERM')
    const codes = await Promise.all(nodes.map((n) => n.exit))
    const clean = codes.every((code) => code === 0)
    log(clean ? `all ${count} nodes stopped cleanly` : `exit codes: ${codes.join(', ')}`)
    const ok = complete && clean && stateAgrees
    log(ok ? `demo complete: ${count} nodes, one shared state under ${trust}, one content fetched by ${count - 1}, ${count * (count - 1)} deliveries, no loss` : 'demo FAILED')
    return ok
  } finally {
    for (const child of [...nodes.map((n) => n.process), ...helpers]) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await Promise.all(nodes.map((n) => n.exit))
    if (options.keep !== true) await rm(dir, { recursive: true, force: true })
  }
}

/** What confirms an op in each trust mode, as the tour says it. */
const TRUST_STORIES: Record<TrustMode, string> = {
  none: 'verified is confirmed',
  signatures: 'ops of trusted authors are confirmed',
  'proof-of-work': 'the nodes mine a chain; an op is confirmed 2 blocks deep',
  'web-of-trust': 'an op is confirmed once observers the node trusts attest a checkpoint listing it',
  observer: 'an op is confirmed once the observer logged it under a verified tree head'
}

// The content of the transfer step: enough for several chunks, small enough for a quick tour.
const CONTENT_BYTES = 4 * 1024 * 1024

/** A `dscs observer` child for the observer trust mode: its PeerId and address once it is ready. */
async function startObserver(dir: string, passphraseFile: string, deadline: number): Promise<{ process: ChildProcess; peerId: string; address: string }> {
  const args = [CLI, 'observer', '--json', '--data', join(dir, 'observer'), '--passphrase-file', passphraseFile, '--listen', '/ip4/127.0.0.1/tcp/0', '--batch-interval', '100']
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let ready: NodeEvent | undefined
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as NodeEvent
    if (event.event === 'ready') ready = event
  })
  await until(() => ready !== undefined, deadline, 'the observer to start')
  return { process: child, peerId: ready!.peerId as string, address: (ready!.multiaddrs as string[])[0]! }
}

function start(index: number, dir: string, passphraseFile: string, join_: string[], flags: readonly string[]): DemoNode {
  const args = [CLI, 'node', '--json', '--state', '--chunks', '--data', join(dir, `node${index}`), '--passphrase-file', passphraseFile, '--topic', TOPIC, ...flags]
  args.push('--listen', '/ip4/127.0.0.1/tcp/0', '--no-relay')
  for (const address of join_) args.push('--join', address)
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const node: DemoNode = {
    index,
    dashboard: undefined,
    put: [],
    fetched: [],
    partition: undefined,
    heals: [],
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
    } else if (event.event === 'api') node.dashboard = event.url as string
    else if (event.event === 'put') node.put.push(event.cid as string)
    else if (event.event === 'partition') node.partition = { component: (event.component as string[]).length, known: event.known as number, majority: event.majority as boolean }
    else if (event.event === 'heal') node.heals.push({ rejoined: event.rejoined as string[], layers: event.layers as DemoNode['heals'][number]['layers'] })
    else if (event.event === 'fetched') node.fetched.push(event.cid as string)
    else if (event.event === 'topic-peers') node.topicPeers = event.count as number
    else if (event.event === 'message') node.received.push({ from: event.from as string, author: event.author as string, text: event.text as string })
  })
  return node
}

async function until(condition: () => boolean, deadline: number, what: string | (() => string)): Promise<void> {
  while (!condition()) {
    if (Date.now() > deadline) throw new DscsError('DEMO_TIMEOUT', `the demo timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
