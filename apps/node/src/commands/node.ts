import { createInterface } from 'node:readline'
import type { DscsNode } from '@dscs/net'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { ChatRoom, reportTopicPeers } from '../chat.js'
import { chunkServices } from '../content.js'
import { Transfers } from '../transfers.js'
import type { Output } from '../output.js'
import { join, readyText, reportPeers, startNode, stopOnSignal, type NodeFlags } from '../start-node.js'
import { CliError } from '../errors.js'
import type { NodeConfig, TrustMode } from '../config.js'
import { describeChange, SHARED_DOMAIN, sharedState, sharedViews, snapshot, viewUpdates, type SharedOp, type SharedState } from '../shared-state.js'
import { domainTrust } from '../trust-modes.js'
import type { FrpState } from '@dscs/frp-state'
import type { DomainPolicy, WriteAdmission } from '@dscs/soft-partition'
import { Blocklist } from '../blocklist.js'
import { NodePartition } from '../partition.js'
import { serveNodeApi } from '../api/index.js'
import { pruneConnections, routingChunkSelector, routingMetrics, routingOf, routingPeerFields, routingServices, routingView } from '../routing.js'
import type { ApiOptions } from '../api/server.js'

export interface NodeCommandOptions extends NodeFlags {
  readonly topic?: string
  /** Serve the HTTP + WebSocket API and the dashboard. */
  readonly api?: ApiOptions
  /** The shared state's trust mode (default signatures). */
  readonly trust?: TrustMode
  /** The observer's PeerId, for the observer trust mode. */
  readonly observer?: string
  /** Run the chunk store and transfers (`@dscs/chunk-distribution`) on the data directory. */
  readonly chunks?: boolean
  /** Run the routing optimizer (default true): peer scores for gossipsub's mesh, the chunk peer selector and connection pruning. */
  readonly routing?: boolean
  /** With `topic`: relay the lines seen to each peer that connects. */
  readonly relayHistory?: boolean
  /** Run the demo's shared state (counters and a note) and take `/add`, `/note`, `/allow` commands on standard input. */
  readonly state?: boolean
  /** With `state`: what the state's domain does while this node is in a minority. Default `available`. */
  readonly partitionPolicy?: DomainPolicy
}

/**
 * `dscs node`: starts a node on the data directory and joins the given peers;
 * with `--topic`, prints every message on the topic and publishes each line
 * read from standard input as a signed envelope; with `--state`, runs the
 * demo's shared state with the soft-partition membership, write policy and
 * heal, and takes commands (`/add`, `/note`, `/text`, `/allow`, `/state`,
 * `/members`, `/block`, `/unblock`) on standard input; with `--chunks`, `/put <file>` and `/get <cid>`;
 * always `/join`. Runs until SIGINT or SIGTERM, then stops cleanly.
 */
export async function runNode(options: NodeCommandOptions, terminal: Output): Promise<void> {
  const trust = options.state === true ? domainTrust(options.trust ?? 'signatures', { domain: SHARED_DOMAIN, ...(options.observer === undefined ? {} : { observer: options.observer }) }) : undefined
  const partition = trust === undefined ? undefined : new NodePartition(SHARED_DOMAIN, options.partitionPolicy ?? 'available')
  // Under `tentative`, the mode's verdicts pass through the partition's: accepted on a minority becomes pending.
  const shared = trust === undefined || partition === undefined ? undefined : sharedState({ ...trust, policy: partition.trust(trust.policy) })
  const blocklist = new Blocklist()
  const routing = options.routing !== false
  // The chunk selector reaches the routing service through the node, which is built with both (it runs only in downloads).
  const built: { node?: DscsNode } = {}
  const chunks = options.chunks === true ? chunkServices(options.data, routing ? routingChunkSelector(() => built.node!) : undefined) : {}
  const services = { ...chunks, ...(routing ? routingServices() : {}), ...(shared === undefined ? {} : { state: shared.service, ...shared.trust.services }) }
  const node = (built.node = await startNode(options, { ...services, ...(partition === undefined ? {} : { softPartition: partition.service() }) }, blocklist.allows))
  // The API reports through the output it wraps, and the transfers through the API's: built in that order.
  let transfers: Transfers | undefined
  const views = {
    ...(shared === undefined ? {} : sharedViews(shared, node)),
    ...(partition === undefined ? {} : { partitions: () => ({ ...partition.view(), policy: partition.policy, members: partition.members() }) }),
    ...(options.chunks === true ? { transfers: () => transfers?.view() ?? [] } : {}),
    ...(routing ? { routing: routingView(routingOf(node)) } : {})
  }
  const routingApi = routing ? { peerFields: routingPeerFields(routingOf(node)), metrics: routingMetrics(node, routingOf(node)) } : {}
  const api = options.api === undefined ? undefined : await serveNodeApi(node, terminal, { ...options.api, views, ...routingApi })
  const out = api?.out ?? terminal
  if (options.chunks === true) transfers = new Transfers(node, out)
  const stopPruning = routing ? pruneConnections(node, out) : () => {}
  const stop = stopOnSignal({ stop: async () => (stopPruning(), await api?.close(), await node.stop()) }, out)
  out.event('ready', { peerId: node.peerId, publicKey: bytesToHex(node.identity.publicKey), multiaddrs: node.multiaddrs(), dataDir: options.data }, readyText(node, options.data))
  if (api !== undefined) out.event('api', { url: api.url }, `dashboard and API at ${api.url}`)
  reportPeers(node, out)

  for (const address of options.join ?? []) await join(node, address, out)
  const publish = options.topic === undefined ? undefined : chat(node, options.topic, out, options.relayHistory === true)
  const commands: LineCommand[] = [
    ...(shared === undefined || partition === undefined ? [] : [...stateCommands(node, shared, partition, out), ...partitionCommands(node, partition, blocklist, out)]), ...(transfers === undefined ? [] : transferCommands(transfers, out)), ...nodeCommands(node, out)]
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === '') return
    if (line.startsWith('/')) runCommand(commands, line, out)
    else if (publish !== undefined) publish(line)
    else out.event('unknown-command', { line }, `nothing takes "${line}": start with --topic to chat`)
  })
  await stop
}

/** A `/command` typed on standard input. */
interface LineCommand {
  readonly name: string
  readonly usage: string
  /** Runs it; false when the arguments do not fit its usage. */
  run(args: readonly string[], rest: string): boolean
}

function runCommand(commands: readonly LineCommand[], line: string, out: Output): void {
  const [name, ...args] = line.trim().split(/\s+/)
  const command = commands.find((c) => c.name === name)
  if (command?.run(args, args.join(' ')) !== true) out.event('unknown-command', { line }, `commands: ${commands.map((c) => c.usage).join(', ')}`)
}

/** What a command started reports when it fails, instead of ending the node. */
function reportFailure(out: Output, what: string): (err: unknown) => void {
  return (err) => out.event(`${what}-failed`, { error: (err as Error).message }, `${what} failed: ${(err as Error).message}`)
}

function nodeCommands(node: DscsNode, out: Output): LineCommand[] {
  return [{ name: '/join', usage: '/join <multiaddr>', run: (_args, rest) => rest !== '' && (void join(node, rest, out), true) }]
}

function transferCommands(transfers: Transfers, out: Output): LineCommand[] {
  return [
    { name: '/put', usage: '/put <file>', run: (_args, rest) => rest !== '' && (void transfers.put(rest).catch(reportFailure(out, 'put')), true) },
    { name: '/get', usage: '/get <cid>', run: (args) => args.length === 1 && (void transfers.get(args[0]!).catch(reportFailure(out, 'get')), true) }
  ]
}

/** Prints every change of the shared state as it happens; returns its `/` commands. */
function stateCommands(node: DscsNode, shared: SharedState, partition: NodePartition, out: Output): LineCommand[] {
  const state = node.libp2p.services.state as FrpState<SharedOp>
  shared.trust.start?.(node)
  partition.attach(state, out)
  shared.graph.subscribe(({ changes, correction }) => {
    const lines = changes.map(describeChange)
    out.event('state-change', { changes, correction, state: snapshot(shared), updates: viewUpdates(changes) }, lines.join('\n'))
  })
  // Computed values are lazy: read once, `lines` is kept up to date, so text edits notify too.
  shared.graph.get('predicted', shared.lines)
  // Every write passes the domain's policy first (`locked` refuses it on a minority), and is acknowledged (`written`)
  // once applied, an op once it is on disk too.
  const write = (apply: () => Promise<{ readonly key?: string; readonly payload: unknown }>): true => {
    let admission: WriteAdmission
    try {
      admission = partition.gate.admit(SHARED_DOMAIN)
    } catch (err) {
      out.event('state-failed', { error: (err as Error).message, code: (err as { code?: string }).code }, `could not apply: ${(err as Error).message}`)
      return true
    }
    const { tentative, epoch } = admission
    const note = tentative ? ` (tentative: written in a minority at epoch ${epoch}, confirmed once the partition heals)` : ''
    apply()
      .then(({ key, payload }) => out.event('written', { key, payload, tentative, epoch }, `written ${JSON.stringify(payload)}${note}`))
      .catch(reportFailure(out, 'state'))
    return true
  }
  const submit = (op: SharedOp): true =>
    write(async () => {
      const submitted = await state.submit(op)
      await shared.trust.onLocalOp(node, submitted.envelope)
      return submitted
    })
  const allow = (publicKey: Uint8Array): true => {
    const { trustPeer } = shared.trust
    if (trustPeer === undefined) out.event('unknown-command', { command: '/allow' }, `the ${shared.trust.mode} trust mode has no authors to allow`)
    else trustPeer(node, publicKey).catch(reportFailure(out, 'allow'))
    return true
  }
  return [
    { name: '/add', usage: '/add <counter> <n>', run: (args) => args.length === 2 && Number.isSafeInteger(Number(args[1])) && submit({ type: 'add', counter: args[0]!, by: Number(args[1]) }) },
    { name: '/note', usage: '/note <text>', run: (_args, rest) => rest !== '' && submit({ type: 'note', text: rest }) },
    {
      name: '/text',
      usage: '/text <line>',
      run: (_args, rest) =>
        rest !== '' &&
        write(() => {
          shared.text.insert(shared.text.length, `${rest}\n`)
          return Promise.resolve({ payload: { type: 'text', line: rest } })
        })
    },
    { name: '/allow', usage: '/allow <public key hex>', run: (_args, rest) => /^[0-9a-f]{64}$/.test(rest) && allow(hexToBytes(rest)) },
    { name: '/state', usage: '/state', run: () => (out.event('state', { state: snapshot(shared), partition: partition.view() }, JSON.stringify(snapshot(shared), null, 2)), true) }
  ]
}

/** `/members` shows the partition view; `/block` and `/unblock` cut a peer off and take it back. */
function partitionCommands(node: DscsNode, partition: NodePartition, blocklist: Blocklist, out: Output): LineCommand[] {
  return [
    { name: '/members', usage: '/members', run: () => (reportMembers(partition, blocklist, out), true) },
    { name: '/block', usage: '/block <peer id>', run: (args) => args.length === 1 && (void blocklist.block(node, args[0]!, out), true) },
    { name: '/unblock', usage: '/unblock <peer id>', run: (args) => args.length === 1 && (void blocklist.unblock(node, args[0]!, out), true) }
  ]
}

function reportMembers(partition: NodePartition, blocklist: Blocklist, out: Output): void {
  const view = partition.view()
  const members = partition.members()
  const lines = [
    `epoch ${view.epoch}: ${view.majority ? 'majority' : 'MINORITY'}, ${view.component.length} of ${view.known} members in this component; policy ${partition.policy}`,
    ...members.map((m) => `  ${m.peer} ${m.state} (incarnation ${m.incarnation}), link ${m.link}${m.rtt === undefined ? '' : `, rtt ${m.rtt.toFixed(1)} ms`}${blocklist.allows(m.peer) ? '' : ', blocked'}`)
  ]
  out.event('members', { partition: view, policy: partition.policy, members, blocked: blocklist.list() }, lines.join('\n'))
}

/** Prints the topic's messages and reports how many peers share the topic; returns the way to publish a line. */
function chat(node: DscsNode, topic: string, out: Output, relayHistory: boolean): (line: string) => void {
  const room = new ChatRoom(node, topic, out, { relayHistory })
  reportTopicPeers(node, topic, out)
  return (line) => void room.say(line)
}

/** The options of `dscs node` a config gives; flags given on the command line win over them. */
export function nodeOptionsFromConfig(config: NodeConfig, source: string): Omit<NodeCommandOptions, 'data' | 'api'> & { api?: NodeConfig['api'] } {
  const names = Object.keys(config.domains)
  // The reference node's one application is the demo's shared state: it runs it as the domain `demo`.
  if (names.some((name) => name !== SHARED_DOMAIN)) throw new CliError('BAD_CONFIG', `${source}: domains: the reference node runs one state domain, ${SHARED_DOMAIN}; got ${names.join(', ')}`)
  const demo = config.domains[SHARED_DOMAIN]
  return {
    ...(config.listen === undefined ? {} : { listen: [...config.listen] }),
    ...(config.transports === undefined ? {} : { transports: config.transports }),
    join: [...config.join],
    dht: config.dht,
    relay: config.relay,
    chunks: config.layers.chunks,
    routing: config.layers.routing,
    ...(demo === undefined ? {} : { state: true, trust: demo.trust, partitionPolicy: demo.partition, ...(demo.observer === undefined ? {} : { observer: demo.observer }) }),
    ...(config.chat === undefined ? {} : { topic: config.chat.topic, relayHistory: config.chat.relayHistory }),
    ...(config.api === undefined ? {} : { api: config.api })
  }
}
