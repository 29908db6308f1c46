import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

// The built command, run as a user runs it.
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `dscs …` to its end (killed after `timeoutMs`). */
export function run(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export type JsonEvent = { event: string } & Record<string, unknown>

/** A long-running `dscs … --json`: its JSON events, its standard input, and its exit. */
export interface Running {
  readonly child: ChildProcess
  readonly events: JsonEvent[]
  /** Resolves with the first event named `name`, or rejects if the process exits first. */
  next(name: string): Promise<JsonEvent>
  /** Resolves with the first event, seen already or to come, that `matches`; rejects if the process exits first. */
  until(matches: (event: JsonEvent) => boolean, what: string): Promise<JsonEvent>
  /** Types `line` on its standard input (when started with `stdin`). */
  send(line: string): void
  readonly exit: Promise<number | null>
}

/**
 * Starts `dscs …`, reading one JSON event per line of its standard output; killed after `timeoutMs`. With `stdin`,
 * `child.stdin` (and `send`) takes lines for it; `wrapper` runs it under another command, e.g. `['ip', 'netns', 'exec', name]`.
 */
export function start(args: string[], timeoutMs = 60_000, options: { stdin?: boolean; wrapper?: readonly string[] } = {}): Running {
  const [file, ...prefix] = [...(options.wrapper ?? []), process.execPath]
  const child = spawn(file, [...prefix, CLI, ...args], { stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'inherit'] })
  const events: JsonEvent[] = []
  const waiting = new Set<() => void>()
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      for (const wake of waiting) wake()
      resolve(code)
    })
  )
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as JsonEvent)
    for (const wake of waiting) wake()
  })
  const until = (matches: (event: JsonEvent) => boolean, what: string): Promise<JsonEvent> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = events.find(matches)
        if (found !== undefined) resolve(found)
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`dscs ${args[0]} exited before ${what}`))
        else return
        waiting.delete(check)
      }
      waiting.add(check)
      check()
    })
  // A process that exited has closed its input: what is typed then goes nowhere.
  child.stdin?.on('error', () => {})
  return {
    child,
    events,
    next: (name) => until((e) => e.event === name, `"${name}"`),
    until,
    send: (line) => void child.stdin?.write(`${line}\n`),
    exit
  }
}
