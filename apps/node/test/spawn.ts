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

/** A long-running `dscs … --json`: its JSON events, and its exit. */
export interface Running {
  readonly child: ChildProcess
  readonly events: JsonEvent[]
  /** Resolves with the first event named `name`, or rejects if the process exits first. */
  next(name: string): Promise<JsonEvent>
  readonly exit: Promise<number | null>
}

/** Starts `dscs …`, reading one JSON event per line of its standard output; killed after `timeoutMs`. With `stdin`, `child.stdin` takes lines for it. */
export function start(args: string[], timeoutMs = 60_000, options: { stdin?: boolean } = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'inherit'] })
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
  const next = (name: string): Promise<JsonEvent> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = events.find((e) => e.event === name)
        if (found !== undefined) resolve(found)
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`dscs ${args[0]} exited before "${name}"`))
        else return
        waiting.delete(check)
      }
      waiting.add(check)
      check()
    })
  return { child, events, next, exit }
}
