#!/usr/bin/env node
import { runDemo } from './demo.js'

const USAGE = `usage: dscs <command>

commands:
  demo    sign, encode, decode and verify an envelope; refuse a replay and a forgery; seal a message
  help    show this help`

function main(argv: readonly string[]): number {
  const [command] = argv
  switch (command) {
    case 'demo': {
      const outcome = runDemo((line) => console.log(`• ${line}`))
      const ok = outcome.opened && outcome.replayRefused === 'REPLAYED' && outcome.tamperRefused === 'BAD_SIGNATURE' && outcome.sealedRoundTrip
      console.log(ok ? 'demo complete: every check behaved as it should' : 'demo FAILED: see the steps above')
      return ok ? 0 : 1
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE)
      return 0
    default:
      console.error(`dscs: unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
      return 2
  }
}

process.exitCode = main(process.argv.slice(2))
