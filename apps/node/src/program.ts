import { existsSync } from 'node:fs'
import { isDscsError } from '@dscs/interface'
import { ALL_TRANSPORTS, type TransportName } from '@dscs/net'
import { hexToBytes } from '@noble/hashes/utils.js'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import type { ChatCommandOptions } from './commands/chat.js'
import type { GetCommandOptions } from './commands/get.js'
import type { ObserverCommandOptions } from './commands/observer.js'
import type { runNode } from './commands/node.js'
import type { PutCommandOptions } from './commands/put.js'
import { PARTITION_POLICIES, TRUST_MODES, type TrustMode } from './config.js'
import { createOutput } from './output.js'
import { ProgressReport } from './progress-report.js'
import type { NodeFlags } from './start-node.js'

// Each command's module is loaded when it runs: `dscs get` has no use for the memory of frp-state and Yjs.

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function transportList(value: string): TransportName[] {
  const names = value.split(',').map((name) => name.trim())
  const unknown = names.filter((name) => !(ALL_TRANSPORTS as readonly string[]).includes(name))
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown transport ${unknown.join(', ')}; known: ${ALL_TRANSPORTS.join(', ')}`)
  return names as TransportName[]
}

function publicKeyArgument(value: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('expected an Ed25519 public key: 64 hexadecimal digits')
  return hexToBytes(value.toLowerCase())
}

/** A flag's value that must be one of `allowed`. */
function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`)
    return value as T
  }
}

function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`)
    return n
  }
}

/** `7000`, `127.0.0.1:7000` or `[::1]:7000`. */
function apiAddress(value: string): { host?: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(value)
  const port = Number(match?.[2])
  if (match === null || port > 65_535) throw new InvalidArgumentError('expected [host:]port, e.g. 7000 or 127.0.0.1:7000')
  return match[1] === undefined ? { port } : { host: match[1].replace(/^\[|\]$/g, ''), port }
}

/** The config file `dscs node` reads from the working directory when no `--config` names one. */
const CONFIG_FILE = 'dscs.config.json'

type NodeActionFlags = { json?: boolean; config?: string; api?: { host?: string; port: number }; apiTokenFile?: string } & Omit<Parameters<typeof runNode>[0], 'api'>

const program = new Command()
  .name('dscs')
  .description('The DSCS reference node')
  .showHelpAfterError('(run dscs --help for usage)')
  .exitOverride()

const GET_TRANSPORTS: readonly TransportName[] = ['tcp', 'websockets']

const DATA = ['--data <dir>', 'data directory: identity keystore, peer store, store, chunks', './.dscs'] as const

/** A command that runs a node: the flags every such command takes. */
function nodeCommand(name: string, description: string, transports = 'all'): Command {
  return program
    .command(name)
    .description(description)
    .option(...DATA)
    .option('--listen <multiaddr>', 'listen on this multiaddr (repeatable); default loopback TCP and WebSockets', collect)
    .option('--transports <list>', `transports to run, comma-separated, from ${ALL_TRANSPORTS.join(', ')} (default: ${transports})`, transportList)
    .option('--join <multiaddr>', 'connect to this node (repeatable)', collect)
    .option('--passphrase-file <file>', 'file holding the keystore passphrase (default: $DSCS_PASSPHRASE, else empty)')
}

nodeCommand('node', 'run a node until SIGINT or SIGTERM')
  .option('--topic <name>', 'print messages on this topic; publish each line of standard input to it')
  .option('--dht', 'run the kad-dht')
  .option('--no-relay', 'do not serve circuit-relay reservations')
  .option('--chunks', 'run the chunk store and transfers on the data directory; type /put <file>, /get <cid> on standard input')
  .option('--no-routing', 'do not run the routing optimizer (peer scores for the gossip mesh, chunk peers and pruning)')
  .option('--state', 'run the demo shared state (domain demo, or the config\'s domains) and its partition view; type /add, /note, /text, /allow, /join, /state, /members, /block, /unblock on standard input ([@domain] after a write command names the domain; default the first)')
  .option('--partition-policy <policy>', `with --state: the first domain's writes in a minority component, one of ${PARTITION_POLICIES.join(', ')} (default: the config's, else available)`, oneOf(PARTITION_POLICIES))
  .option('--trust <mode>', `with --state, what confirms an op in the first domain: ${TRUST_MODES.join(', ')} (default: the config's, else signatures)`, oneOf(TRUST_MODES))
  .option('--observer <peerId>', 'with --trust observer: the PeerId of the observer to submit ops to')
  .option('--api <[host:]port>', 'serve the HTTP + WebSocket API and the dashboard here (port 0: any free port; default host 127.0.0.1)', apiAddress)
  .option('--api-token-file <file>', 'file holding the token the API requires (needed when it listens beyond loopback)')
  .option('--config <file>', `settings from this file (default ${CONFIG_FILE} when there is one); flags given win`)
  .option('--json', 'one JSON object per line on standard output')
  .action(async (flags: NodeActionFlags, command: Command) => {
    const { runNode, nodeOptionsFromConfig } = await import('./commands/node.js')
    const { loadConfig } = await import('./config.js')
    const { readSecretFile } = await import('./start-node.js')
    const file = flags.config ?? (existsSync(CONFIG_FILE) ? CONFIG_FILE : undefined)
    const { api: configApi, ...configured } = file === undefined ? {} : nodeOptionsFromConfig(await loadConfig(file))
    // Commander fills in defaults (`--no-relay` makes relay true): only flags typed on the command line override the file.
    const typed = Object.fromEntries(Object.entries(flags).filter(([key]) => command.getOptionValueSource(key) === 'cli'))
    const options = { ...configured, ...typed, data: flags.data } as NodeActionFlags
    const api = options.api ?? configApi
    const tokenFile = options.apiTokenFile ?? configApi?.tokenFile
    const token = tokenFile === undefined ? undefined : await readSecretFile(tokenFile)
    await runNode({ ...options, api: api === undefined ? undefined : { ...api, ...(token === undefined ? {} : { token }) } }, createOutput(options.json === true))
  })

nodeCommand('chat', 'chat on a topic: each line typed is signed and published, each line received is shown once')
  .requiredOption('--topic <name>', 'the topic to chat on')
  .option('--relay-history', 'relay the lines seen here to each peer that connects (a healed partition); they show them marked untrusted')
  .option('--json', 'one JSON object per line on standard output')
  .action(async (options: { json?: boolean } & ChatCommandOptions) => {
    const { runChat } = await import('./commands/chat.js')
    await runChat(options, createOutput(options.json === true))
  })

program
  .command('put <file>')
  .description('store a file in the data directory’s chunk store and print its content id')
  .option(...DATA)
  .option('--chunk-size <bytes>', 'chunk size, a power of two from 16384 to 4194304 (default 262144)', integerIn(1, 2 ** 32))
  .option('--json', 'print {"event":"put","cid",…,"size","chunks"} as one JSON line')
  .action(async (file: string, options: { json?: boolean } & PutCommandOptions) => {
    const { runPut } = await import('./commands/put.js')
    await runPut(file, options, createOutput(options.json === true))
  })

nodeCommand('seed [cid...]', 'run a node serving the content in the data directory until SIGINT or SIGTERM')
  .option('--json', 'one JSON object per line on standard output')
  .action(async (cids: string[], options: { json?: boolean } & NodeFlags) => {
    const { runSeed } = await import('./commands/seed.js')
    await runSeed(cids, options, createOutput(options.json === true))
  })

// A download dials the nodes that hold the content: TCP and WebSockets reach them, without WebRTC's memory.
nodeCommand('get <cid>', 'download content from the peers that hold it into a file', GET_TRANSPORTS.join(','))
  .requiredOption('-o, --output <file>', 'write the content to this file')
  .option('--timeout <seconds>', 'give up when no chunk comes for this long', integerIn(1, 86_400), 60)
  .option('--json', 'one JSON object per line on standard output, progress included')
  .action(async (cid: string, options: { json?: boolean } & GetCommandOptions) => {
    const json = options.json === true
    const out = createOutput(json)
    const style = json ? 'json' : process.stderr.isTTY ? 'bar' : 'lines'
    const { runGet } = await import('./commands/get.js')
    await runGet(cid, { transports: GET_TRANSPORTS, ...options }, out, new ProgressReport({ style, out, write: (text) => process.stderr.write(text) }))
  })

nodeCommand('observer', 'run a node that logs submitted envelopes in a Merkle log and proves it (trust-observer), until SIGINT or SIGTERM')
  .option('--allow <public key hex>', 'log envelopes of this author only (repeatable); default anyone', (value: string, previous: Uint8Array[] = []) => [...previous, publicKeyArgument(value)])
  .option('--batch-interval <ms>', 'commit a batch and sign a tree head this often', integerIn(1, 60_000), 100)
  .option('--json', 'one JSON object per line on standard output: ready, committed, peer events, stopping, stopped')
  .action(async (options: { json?: boolean } & ObserverCommandOptions) => {
    const { runObserver } = await import('./commands/observer.js')
    await runObserver(options, createOutput(options.json === true))
  })

program
  .command('demo')
  .description('the guided tour: several nodes on loopback with a dashboard; shared state hiding latency under a trust mode, a chunk transfer, signed messages')
  .option('--nodes <n>', 'how many nodes', integerIn(2, 50), 5)
  .option('--keep', 'keep the nodes’ data directories')
  .option('--trust <mode>', `what confirms an op in the shared state: ${TRUST_MODES.join(', ')} (default signatures)`, oneOf(TRUST_MODES))
  .option('--stay', 'keep the nodes and the dashboard running after the tour, until Ctrl-C')
  .action(async (options: { nodes: number; keep?: boolean; trust?: TrustMode; stay?: boolean }) => {
    const { runDemo } = await import('./commands/demo.js')
    const ok = await runDemo(options, (line) => console.log(line))
    if (!ok) process.exitCode = 1
  })

try {
  await program.parseAsync()
} catch (err) {
  // Commander has printed its own message (bad flag, help, version); everything else gets one line.
  if (err instanceof CommanderError) process.exitCode = err.exitCode
  else {
    const message = isDscsError(err) ? err.message : `unexpected error: ${(err as Error).message}`
    console.error(`dscs: ${message}`)
    process.exitCode = 1
  }
}
