#!/usr/bin/env node
import { isDscsError } from '@dscs/interface'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { runDemo } from './commands/demo.js'
import { runGet, type GetCommandOptions } from './commands/get.js'
import { runNode } from './commands/node.js'
import { runPut, type PutCommandOptions } from './commands/put.js'
import { runSeed } from './commands/seed.js'
import { createOutput } from './output.js'
import { ProgressReport } from './progress-report.js'
import type { NodeFlags } from './start-node.js'

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`)
    return n
  }
}

const program = new Command()
  .name('dscs')
  .description('The DSCS reference node')
  .showHelpAfterError('(run dscs --help for usage)')
  .exitOverride()

const DATA = ['--data <dir>', 'data directory: identity keystore, peer store, store, chunks', './.dscs'] as const

/** A command that runs a node: the flags every such command takes. */
function nodeCommand(name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option(...DATA)
    .option('--listen <multiaddr>', 'listen on this multiaddr (repeatable); default loopback TCP and WebSockets', collect)
    .option('--join <multiaddr>', 'connect to this node (repeatable)', collect)
    .option('--passphrase-file <file>', 'file holding the keystore passphrase (default: $DSCS_PASSPHRASE, else empty)')
}

nodeCommand('node', 'run a node until SIGINT or SIGTERM')
  .option('--topic <name>', 'print messages on this topic; publish each line of standard input to it')
  .option('--dht', 'run the kad-dht')
  .option('--no-relay', 'do not serve circuit-relay reservations')
  .option('--state', 'run the demo shared state; type /add, /note, /text, /allow, /join, /state on standard input')
  .option('--json', 'one JSON object per line on standard output')
  .action(async (options: { json?: boolean } & Parameters<typeof runNode>[0]) => {
    await runNode(options, createOutput(options.json === true))
  })

program
  .command('put <file>')
  .description('store a file in the data directory’s chunk store and print its content id')
  .option(...DATA)
  .option('--chunk-size <bytes>', 'chunk size, a power of two from 16384 to 4194304 (default 262144)', integerIn(1, 2 ** 32))
  .option('--json', 'print {"event":"put","cid",…,"size","chunks"} as one JSON line')
  .action(async (file: string, options: { json?: boolean } & PutCommandOptions) => {
    await runPut(file, options, createOutput(options.json === true))
  })

nodeCommand('seed [cid...]', 'run a node serving the content in the data directory until SIGINT or SIGTERM')
  .option('--json', 'one JSON object per line on standard output')
  .action(async (cids: string[], options: { json?: boolean } & NodeFlags) => {
    await runSeed(cids, options, createOutput(options.json === true))
  })

nodeCommand('get <cid>', 'download content from the peers that hold it into a file')
  .requiredOption('-o, --output <file>', 'write the content to this file')
  .option('--timeout <seconds>', 'give up when no chunk comes for this long', integerIn(1, 86_400), 60)
  .option('--json', 'one JSON object per line on standard output, progress included')
  .action(async (cid: string, options: { json?: boolean } & GetCommandOptions) => {
    const json = options.json === true
    const out = createOutput(json)
    const style = json ? 'json' : process.stderr.isTTY ? 'bar' : 'lines'
    await runGet(cid, options, out, new ProgressReport({ style, out, write: (text) => process.stderr.write(text) }))
  })

program
  .command('demo')
  .description('start several nodes on loopback, exchange signed envelopes on a topic, stop them cleanly')
  .option('--nodes <n>', 'how many nodes', integerIn(2, 50), 5)
  .option('--keep', 'keep the nodes’ data directories')
  .action(async (options: { nodes: number; keep?: boolean }) => {
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
