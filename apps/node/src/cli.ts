#!/usr/bin/env node
import { isDscsError } from '@dscs/interface'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { runDemo } from './commands/demo.js'
import { runNode } from './commands/node.js'
import { createOutput } from './output.js'

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function positiveInteger(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 2 || n > 50) throw new InvalidArgumentError('expected a whole number from 2 to 50')
  return n
}

const program = new Command()
  .name('dscs')
  .description('The DSCS reference node')
  .showHelpAfterError('(run dscs --help for usage)')
  .exitOverride()

program
  .command('node')
  .description('run a node until SIGINT or SIGTERM')
  .option('--data <dir>', 'data directory: identity keystore, peer store, store', './.dscs')
  .option('--listen <multiaddr>', 'listen on this multiaddr (repeatable); default loopback TCP and WebSockets', collect)
  .option('--join <multiaddr>', 'connect to this node (repeatable)', collect)
  .option('--passphrase-file <file>', 'file holding the keystore passphrase (default: $DSCS_PASSPHRASE, else empty)')
  .option('--topic <name>', 'print messages on this topic; publish each line of standard input to it')
  .option('--dht', 'run the kad-dht')
  .option('--no-relay', 'do not serve circuit-relay reservations')
  .option('--state', 'run the demo shared state; type /add, /note, /text, /allow, /join, /state on standard input')
  .option('--json', 'one JSON object per line on standard output')
  .action(async (options: { json?: boolean } & Parameters<typeof runNode>[0]) => {
    await runNode(options, createOutput(options.json === true))
  })

program
  .command('demo')
  .description('start several nodes on loopback, exchange signed envelopes on a topic, stop them cleanly')
  .option('--nodes <n>', 'how many nodes', positiveInteger, 5)
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
