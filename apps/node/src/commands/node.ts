import { createInterface } from 'node:readline'
import type { DscsNode } from '@dscs/net'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { ChatRoom, reportTopicPeers } from '../chat.js'
import type { Output } from '../output.js'
import { join, readyText, reportPeers, startNode, stopOnSignal, type NodeFlags } from '../start-node.js'
import { SHARED_DOMAIN, describeChange, sharedState, sharedViews, snapshot, type SharedOp, type SharedState } from '../shared-state.js'
import type { FrpState } from '@dscs/frp-state'
import type { DomainPolicy, WriteAdmission } from '@dscs/soft-partition'
import { serveNodeApi } from '../api/index.js'
import type { ApiOptions } from '../api/server.js'
import { Blocklist } from '../blocklist.js'
import { NodePartition } from '../partition.js'

export interface NodeCommandOptions extends NodeFlags {
  readonly topic?: string
  /** Serve the HTTP + WebSocket API and the dashboard. */
  readonly api?: ApiOptions
  /** Run the demo's shared state (counters and a note) and take `/add`, `/note`, `/allow` commands on standard input. */
  readonly state?: boolean
  /** With `state`: what the state's domain does while this node is in a minority. Default `available`. */
  readonly partitionPolicy?: DomainPolicy
}

/**
 * `dscs node`: starts a node on the data directory and joins the given peers;
 * with `--topic`, prints every message on the topic and publishes each line
 * read from standard input as a signed envelope; with `--state`, runs the
 * demo's shared state, with the soft-partition membership, write policy and
 * heal, and takes commands (`/add`, `/note`, `/text`, `/allow`, `/join`,
 * `/state`, `/members`, `/block`, `/unblock`) on standard input. Runs until
 * SIGINT or SIGTERM, then stops cleanly.
 */
export async function runNode(options: NodeCommandOptions, terminal: Output): Promise<void> {
  const partition = options.state === true ? new NodePartition(SHARED_DOMAIN, options.partitionPolicy ?? 'available') : undefined
  const shared = partition === undefined ? undefined : sharedState((allowed) => partition.trust(allowed))
  const blocklist = new Blocklist()
  const node = await startNode(
    options,
    shared === undefined || partition === undefined ? undefined : { state: shared.service, softPartition: partition.service() },
    blocklist.allows
  )
  const api = options.api === undefined ? undefined : await serveNodeApi(node, terminal, { ...options.api, views: shared === undefined ? {} : sharedViews(shared) })
  const out = api?.out ?? terminal
  const stop = stopOnSignal({ stop: async () => (await api?.close(), await node.stop()) }, out)
  out.event('ready', { peerId: node.peerId, publicKey: bytesToHex(node.identity.publicKey), multiaddrs: node.multiaddrs(), dataDir: options.data }, readyText(node, options.data))
  if (api !== undefined) out.event('api', { url: api.url }, `dashboard and API at ${api.url}`)
  reportPeers(node, out)

  for (const address of options.join ?? []) await join(node, address, out)
  const publish = options.topic === undefined ? undefined : chat(node, options.topic, out)
  const command = shared === undefined || partition === undefined ? undefined : stateCommands({ node, shared, partition, blocklist }, out)
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === '') return
    if (line.startsWith('/') && command !== undefined) command(line)
    else if (publish !== undefined) publish(line)
    else out.event('unknown-command', { line }, `nothing takes "${line}": start with --topic to chat, --state for /commands`)
  })
  await stop
}

/** What the `/` commands of `dscs node --state` act on. */
interface StateNode {
  readonly node: DscsNode
  readonly shared: SharedState
  readonly partition: NodePartition
  readonly blocklist: Blocklist
}

const COMMANDS = '/add <counter> <n>, /note <text>, /text <line>, /allow <public key hex>, /join <multiaddr>, /state, /members, /block <peer id>, /unblock <peer id>'

/** Prints every change of the shared state and of the partition view as it happens; returns the handler of `/` commands. */
function stateCommands({ node, shared, partition, blocklist }: StateNode, out: Output): (line: string) => void {
  const state = node.libp2p.services.state as FrpState<SharedOp>
  shared.trust.allow(node.identity.publicKey) // a node trusts itself
  partition.attach(state, out)
  shared.graph.subscribe(({ changes, correction }) => {
    const lines = changes.map(describeChange)
    out.event('state-change', { changes, correction, state: snapshot(shared) }, lines.join('\n'))
  })
  // Computed values are lazy: read once, `lines` is kept up to date, so text edits notify too.
  shared.graph.get('predicted', shared.lines)
  const refused = (err: unknown): void => out.event('state-failed', { error: (err as Error).message, code: (err as { code?: string }).code }, `could not apply: ${(err as Error).message}`)
  // Every write passes the domain's policy first: `locked` refuses it on a minority, `tentative` says it is held.
  // A write is acknowledged (`written`) once applied, an op once it is on disk too.
  const write = (apply: () => Promise<{ readonly key?: string; readonly payload: unknown }>): void => {
    let admission: WriteAdmission
    try {
      admission = partition.gate.admit(SHARED_DOMAIN)
    } catch (err) {
      refused(err)
      return
    }
    const { tentative, epoch } = admission
    const note = tentative ? ` (tentative: written in a minority at epoch ${epoch}, confirmed once the partition heals)` : ''
    apply()
      .then(({ key, payload }) => out.event('written', { key, payload, tentative, epoch }, `written ${JSON.stringify(payload)}${note}`))
      .catch(refused)
  }
  return (line) => {
    const [command, ...rest] = line.trim().split(/\s+/)
    const argument = rest.join(' ')
    if (command === '/add' && rest.length === 2 && Number.isSafeInteger(Number(rest[1]))) write(() => state.submit({ type: 'add', counter: rest[0]!, by: Number(rest[1]) }))
    else if (command === '/note' && argument !== '') write(() => state.submit({ type: 'note', text: argument }))
    else if (command === '/text' && argument !== '')
      write(() => {
        shared.text.insert(shared.text.length, `${argument}\n`)
        return Promise.resolve({ payload: { type: 'text', line: argument } })
      })
    else if (command === '/allow' && /^[0-9a-f]{64}$/.test(argument)) shared.trust.allow(hexToBytes(argument))
    else if (command === '/join' && argument !== '') void join(node, argument, out)
    else if (command === '/state') out.event('state', { state: snapshot(shared), partition: partition.view() }, JSON.stringify(snapshot(shared), null, 2))
    else if (command === '/members') reportMembers(partition, blocklist, out)
    else if (command === '/block' && rest.length === 1) void blocklist.block(node, argument, out)
    else if (command === '/unblock' && rest.length === 1) void blocklist.unblock(node, argument, out)
    else out.event('unknown-command', { line }, `commands: ${COMMANDS}`)
  }
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
function chat(node: DscsNode, topic: string, out: Output): (line: string) => void {
  const room = new ChatRoom(node, topic, out)
  reportTopicPeers(node, topic, out)
  return (line) => void room.say(line)
}
