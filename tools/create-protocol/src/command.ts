import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ScaffoldError } from './errors.js'
import { scaffoldProtocol } from './scaffold.js'

/** Where the command writes and what it resolves paths against. */
export interface CommandIo {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  /** The directory relative paths on the command line (and in the output) are relative to. */
  readonly cwd: string
  /** The monorepo the package joins: the default directory is `<root>/packages/<name>`. */
  readonly root: string
}

const USAGE = `Usage: pnpm create-protocol <name> [--dir <path>] [--description "<one line>"]

Creates the DSCS protocol package @dscs/<name> from the ping/pong template.
  <name>                 lowercase kebab-case, e.g. chunk-distribution
  --dir <path>           where to write it (default: packages/<name>)
  --description <text>   one line for package.json and the README
  -h, --help             show this help`

/** Runs `create-dscs-protocol` with `args` (no program name); resolves to the exit code. */
export async function runCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { dir: { type: 'string' }, description: { type: 'string' }, help: { type: 'boolean', short: 'h' } }
    })
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err))
  }
  if (parsed.values.help === true) {
    io.out(USAGE)
    return 0
  }
  const [name, ...extra] = parsed.positionals
  if (name === undefined) return usageError(io, 'missing the protocol <name>')
  if (extra.length > 0) return usageError(io, `expected one <name>, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`)

  const directory = parsed.values.dir === undefined ? join(io.root, 'packages', name) : resolve(io.cwd, parsed.values.dir)
  let files: string[]
  try {
    files = await scaffoldProtocol({
      name,
      directory,
      workspaceRoot: io.root,
      ...(parsed.values.description === undefined ? {} : { description: parsed.values.description })
    })
  } catch (err) {
    // Refusals and file-system failures (permissions, a file where a directory should be) are the user's to fix; anything else is a bug.
    if (!(err instanceof ScaffoldError) && !(err instanceof Error && 'syscall' in err)) throw err
    io.err(`create-dscs-protocol: ${err.message}`)
    return 1
  }

  const packageName = `@dscs/${name}`
  io.out(`Created ${packageName} in ${displayPath(io.cwd, directory)}:`)
  for (const file of files) io.out(`  ${file}`)
  io.out('')
  if (dirname(directory) !== join(io.root, 'packages')) {
    io.out(`Note: it is outside packages/, so pnpm links it only if pnpm-workspace.yaml covers ${dirname(directory)}.`)
  }
  const steps = [
    ['pnpm install', 'link it into the workspace'],
    [`node scripts/turbo.js run test --filter=${packageName}`, 'codegen, build, its first tests'],
    [`node scripts/turbo.js run bench --filter=${packageName}`, 'its benchmark']
  ] as const
  const width = Math.max(...steps.map(([command]) => command.length))
  io.out('Next steps, from the repository root:')
  for (const [command, why] of steps) io.out(`  ${command.padEnd(width)}   # ${why}`)
  io.out(`Then make it your protocol (proto/${name}.proto, src/core/, src/service.ts, README.md)`)
  io.out('and add a changeset for it with `pnpm changeset`.')
  return 0
}

// Relative when the path is below `cwd`, absolute otherwise: `../../../tmp/x` helps nobody.
function displayPath(cwd: string, path: string): string {
  const shown = relative(cwd, path)
  return shown === '' ? '.' : shown.startsWith('..') || isAbsolute(shown) ? path : shown
}

function usageError(io: CommandIo, message: string): number {
  io.err(`create-dscs-protocol: ${message}`)
  io.err('')
  io.err(USAGE)
  return 1
}
