#!/usr/bin/env node
import { runCommand } from './command.js'
import { REPO_ROOT } from './scaffold.js'

process.exitCode = await runCommand(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  // Under `pnpm create-protocol` the working directory is the repository root; INIT_CWD is where the user typed it.
  cwd: process.env.INIT_CWD ?? process.cwd(),
  root: REPO_ROOT
})
