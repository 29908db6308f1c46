import { createInterface } from 'node:readline'
import type { DscsNode } from '@dscs/net'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { ChatRoom, reportTopicPeers } from '../chat.js'
import { chunkServices } from '../content.js'
import { Transfers } from '../transfers.js'
import type { Output } from '../output.js'
import { join, readyText, reportPeers, startNode, stopOnSignal, type NodeFlags } from '../start-node.js'
import type { DomainConfig, NodeConfig, TrustMode } from '../config.js'
import { describeChange, SHARED_DOMAIN, sharedState, sharedViews, snapshot, stateMetrics, viewUpdates, type SharedOp, type SharedState } from '../shared-state.js'
import { NodeTrust } from '../trust-modes.js'
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
  /** The state domains to run, in order (the first is where writes go by default); without any, `--state` runs `demo`. */
  readonly domains?: Readonly<Record<string, DomainConfig>>
  /** The first domain's trust mode (default: the config's, else signatures). */
  readonly trust?: TrustMode
  /** The observer's PeerId, for the observer trust mode. */
  readonly observer?: string
  /** Run the chunk store and transfers (`@dscs/chunk-distribution`) on the data directory. */
  readonly chunks?: boolean
  /** Run the routing optimizer (default true): peer scores for gossipsub's mesh, the chunk peer selector and connection pruning. */
  readonly routing?: boolean
  /** With `topic`: relay the lines seen to each peer that connects. */
  readonly relayHistory?: boolean
  /** Run the demo's shared state (counters and a note) in `domains` (else `demo`) and take `/add`, `/note`, `/allow` commands on standard input. */
  readonly state?: boolean
  /** What the first domain does while this node is in a minority (default: the config's, else `available`). */
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
  const domains = stateDomains(options)
  const partition = domains.length === 0 ? undefined : new NodePartition(Object.fromEntries(domains.map(([name, domain]) => [name, domain.partition])))
  // One chain, web of trust and observer client for the node, a policy on them for each domain.
  const trust = new NodeTrust()
  const states = domains.map(([name, domain]) => {
    const mode = trust.domain(name, domain.trust, domain.observer)
    // Under `tentative`, the mode's verdicts pass through the partition's: accepted on a minority becomes pending.
    return sharedState(name, { ...mode, policy: partition!.trust(name, mode.policy) })
  })
  const blocklist = new Blocklist()
  const routing = options.routing !== false
  // The chunk selector reaches the routing service through the node, which is built with both (it runs only in downloads).
  const built: { node?: DscsNode } = {}
  const chunks = options.chunks === true ? chunkServices(options.data, routing ? routingChunkSelector(() => built.node!) : undefined) : {}
  const services = { ...chunks, ...(routing ? routingServices() : {}), ...Object.fromEntries(states.map((state) => [stateService(state.domain), state.service])), ...trust.services }
  const node = (built.node = await startNode(options, { ...services, ...(partition === undefined ? {} : { softPartition: partition.service() }) }, blocklist.allows))
  // The API reports through the output it wraps, and the transfers through the API's: built in that order.
  let transfers: Transfers | undefined
  const views = {
    ...(states.length === 0 ? {} : sharedViews(states, node)),
    ...(partition === undefined ? {} : { partitions: () => ({ ...partition.view(), policies: partition.policies, members: partition.members() }) }),
    ...(options.chunks === true ? { transfers: () => transfers?.view() ?? [] } : {}),
    ...(routing ? { routing: routingView(routingOf(node)) } : {})
  }
  const routed = routing ? { peerFields: routingPeerFields(routingOf(node)), metrics: routingMetrics(node, routingOf(node)) } : undefined
  const metrics = () => [...stateMetrics(states), ...(routed?.metrics() ?? [])]
  const api = options.api === undefined ? undefined : await serveNodeApi(node, terminal, { ...options.api, views, metrics, ...(routed === undefined ? {} : { peerFields: routed.peerFields }) })
  const out = api?.out ?? terminal
  if (options.chunks === true) transfers = new Transfers(node, out)
  const stopPruning = routing ? pruneConnections(node, out) : () => {}
  const stop = stopOnSignal({ stop: async () => (stopPruning(), await api?.close(), await node.stop()) }, out)
  const publicKey = bytesToHex(node.identity.publicKey)
  out.event('ready', { peerId: node.peerId, publicKey, multiaddrs: node.multiaddrs(), dataDir: options.data }, `${readyText(node, options.data)}\n  public key ${publicKey} (what another node's /allow takes)`)
  if (api !== undefined) out.event('api', { url: api.url }, `dashboard and API at ${api.url}`)
  reportPeers(node, out)

  for (const address of options.join ?? []) await join(node, address, out)
  const publish = options.topic === undefined ? undefined : chat(node, options.topic, out, options.relayHistory === true)
  const commands: LineCommand[] = [
    ...(partition === undefined ? [] : [...stateCommands(node, states, partition, out), ...partitionCommands(node, partition, blocklist, out)]),
    ...(transfers === undefined ? [] : transferCommands(transfers, out)),
    ...nodeCommands(node, out)
  ]
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

/** The libp2p service name of a domain's state. */
const stateService = (domain: string): string => `state-${domain}`

/** The state domains to run, in order: the config's (else `demo` with `--state`), the typed flags setting the first one's trust and policy. */
export function stateDomains(options: NodeCommandOptions): [string, DomainConfig][] {
  const configured = Object.entries(options.domains ?? {})
  const domains: [string, DomainConfig][] = configured.length > 0 ? configured : options.state === true ? [[SHARED_DOMAIN, { trust: 'signatures', partition: 'available' }]] : []
  return domains.map(([name, domain], i) =>
    i > 0
      ? [name, domain]
      : [
          name,
          {
            trust: options.trust ?? domain.trust,
            partition: options.partitionPolicy ?? domain.partition,
            ...(options.observer === undefined && domain.observer === undefined ? {} : { observer: options.observer ?? domain.observer })
          }
        ]
  )
}

/**
 * A command's domain: a first argument `@<domain>` names it (and is taken off), else the first domain; `undefined`
 * (reported) when it names a domain the node does not run.
 */
function inDomain(states: readonly SharedState[], args: readonly string[], out: Output): { state: SharedState; args: readonly string[]; rest: string } | undefined {
  const named = args[0]?.startsWith('@') === true ? args[0].slice(1) : undefined
  const state = named === undefined ? states[0]! : states.find((s) => s.domain === named)
  const rest = named === undefined ? args : args.slice(1)
  if (state !== undefined) return { state, args: rest, rest: rest.join(' ') }
  const domains = states.map((s) => s.domain).join(', ')
  out.event('state-failed', { domain: named, code: 'UNKNOWN_DOMAIN', error: `no domain ${named}; domains: ${domains}` }, `no domain ${named}; domains: ${domains}`)
  return undefined
}

/** Prints every change of each domain's state as it happens; returns the `/` commands, which take `@<domain>` first (default the first domain). */
function stateCommands(node: DscsNode, states: readonly SharedState[], partition: NodePartition, out: Output): LineCommand[] {
  const service = (state: SharedState) => node.libp2p.services[stateService(state.domain)] as FrpState<SharedOp>
  partition.attach(Object.fromEntries(states.map((state) => [state.domain, service(state)])), out)
  for (const shared of states) {
    shared.trust.start?.(node)
    // With several domains, each line says which one changed.
    const prefix = states.length > 1 ? `${shared.domain}: ` : ''
    shared.graph.subscribe(({ changes, correction }) => {
      const lines = changes.map((change) => `${prefix}${describeChange(change)}`)
      out.event('state-change', { domain: shared.domain, changes, correction, state: snapshot(shared), updates: viewUpdates(shared.domain, changes) }, lines.join('\n'))
    })
    // Computed values are lazy: read once, `lines` is kept up to date, so text edits notify too.
    shared.graph.get('predicted', shared.lines)
  }
  // Every write passes its domain's policy first (`locked` refuses it on a minority), and is acknowledged (`written`)
  // once applied, an op once it is on disk too.
  const write = (shared: SharedState, apply: () => Promise<{ readonly key?: string; readonly payload: unknown }>): true => {
    const { domain } = shared
    let admission: WriteAdmission
    try {
      admission = partition.gate.admit(domain)
    } catch (err) {
      out.event('state-failed', { domain, error: (err as Error).message, code: (err as { code?: string }).code }, `could not apply in ${domain}: ${(err as Error).message}`)
      return true
    }
    const { tentative, epoch } = admission
    const note = tentative ? ` (tentative: written in a minority at epoch ${epoch}, confirmed once the partition heals)` : ''
    apply()
      .then(({ key, payload }) => out.event('written', { domain, key, payload, tentative, epoch }, `written in ${domain} ${JSON.stringify(payload)}${note}`))
      .catch(reportFailure(out, 'state'))
    return true
  }
  const submit = (shared: SharedState, op: SharedOp): true =>
    write(shared, async () => {
      const submitted = await service(shared).submit(op)
      await shared.trust.onLocalOp(node, submitted.envelope)
      return submitted
    })
  // Trust is in a peer, not a domain: `/allow` without a domain allows it in every domain whose mode has authors.
  const allow = (targets: readonly SharedState[], publicKey: Uint8Array): true => {
    const modes = targets.filter((shared) => shared.trust.trustPeer !== undefined)
    if (modes.length === 0) out.event('unknown-command', { command: '/allow' }, `the ${targets.map((t) => t.trust.mode).join(', ')} trust mode has no authors to allow`)
    for (const shared of modes) shared.trust.trustPeer!(node, publicKey).catch(reportFailure(out, 'allow'))
    return true
  }
  /** A command whose arguments follow an optional `@<domain>`. */
  const command = (name: string, usage: string, run: (shared: SharedState, args: readonly string[], rest: string) => boolean): LineCommand => ({
    name,
    usage: `${name} [@domain] ${usage}`.trimEnd(),
    run: (args) => {
      const target = inDomain(states, args, out)
      return target === undefined || run(target.state, target.args, target.rest)
    }
  })
  const report = (shared: SharedState): true => {
    const domains = Object.fromEntries(states.map((s) => [s.domain, snapshot(s)]))
    out.event('state', { domain: shared.domain, state: snapshot(shared), domains, partition: partition.view() }, JSON.stringify(states.length > 1 ? domains : snapshot(shared), null, 2))
    return true
  }
  return [
    command('/add', '<counter> <n>', (shared, args) => args.length === 2 && Number.isSafeInteger(Number(args[1])) && submit(shared, { type: 'add', counter: args[0]!, by: Number(args[1]) })),
    command('/note', '<text>', (shared, _args, rest) => rest !== '' && submit(shared, { type: 'note', text: rest })),
    command(
      '/text',
      '<line>',
      (shared, _args, rest) =>
        rest !== '' &&
        write(shared, () => {
          shared.text.insert(shared.text.length, `${rest}\n`)
          return Promise.resolve({ payload: { type: 'text', line: rest } })
        })
    ),
    {
      name: '/allow',
      usage: '/allow [@domain] <public key hex>',
      run: (args) => {
        const target = args[0]?.startsWith('@') === true ? inDomain(states, args, out) : { state: undefined, rest: args.join(' ') }
        if (target === undefined) return true
        return /^[0-9a-f]{64}$/.test(target.rest) && allow(target.state === undefined ? states : [target.state], hexToBytes(target.rest))
      }
    },
    command('/state', '', (shared, args) => args.length === 0 && report(shared))
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
    `epoch ${view.epoch}: ${view.majority ? 'majority' : 'MINORITY'}, ${view.component.length} of ${view.known} members in this component; policies ${Object.entries(partition.policies).map(([domain, policy]) => `${domain} ${policy}`).join(', ')}`,
    ...members.map((m) => `  ${m.peer} ${m.state} (incarnation ${m.incarnation}), link ${m.link}${m.rtt === undefined ? '' : `, rtt ${m.rtt.toFixed(1)} ms`}${blocklist.allows(m.peer) ? '' : ', blocked'}`)
  ]
  out.event('members', { partition: view, policies: partition.policies, members, blocked: blocklist.list() }, lines.join('\n'))
}

/** Prints the topic's messages and reports how many peers share the topic; returns the way to publish a line. */
function chat(node: DscsNode, topic: string, out: Output, relayHistory: boolean): (line: string) => void {
  const room = new ChatRoom(node, topic, out, { relayHistory })
  reportTopicPeers(node, topic, out)
  return (line) => void room.say(line)
}

/** The options of `dscs node` a config gives; flags given on the command line win over them (`--trust`, `--partition-policy` and `--observer` over the first domain's). */
export function nodeOptionsFromConfig(config: NodeConfig): Omit<NodeCommandOptions, 'data' | 'api'> & { api?: NodeConfig['api'] } {
  return {
    ...(config.listen === undefined ? {} : { listen: [...config.listen] }),
    ...(config.transports === undefined ? {} : { transports: config.transports }),
    join: [...config.join],
    dht: config.dht,
    relay: config.relay,
    chunks: config.layers.chunks,
    routing: config.layers.routing,
    ...(Object.keys(config.domains).length === 0 ? {} : { state: true, domains: config.domains }),
    ...(config.chat === undefined ? {} : { topic: config.chat.topic, relayHistory: config.chat.relayHistory }),
    ...(config.api === undefined ? {} : { api: config.api })
  }
}
