import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, platform } from 'node:os'

export interface RunOptions {
  /** Rounds per candidate; the median round is reported. Default 15. */
  readonly rounds?: number
  /** Time each candidate runs per round, ms. Default 120. */
  readonly roundMs?: number
  /** Time each candidate runs before the rounds, unmeasured, so the JIT has compiled what it runs, ms. Default min(roundMs, 100). */
  readonly warmupMs?: number
}

export interface BenchResult {
  readonly name: string
  /** Median operations per second over the rounds. */
  readonly opsPerSecond: number
  /** Ops/s of each round, in order. */
  readonly rounds: readonly number[]
}

export interface BenchRatio {
  readonly name: string
  readonly subject: string
  readonly anchor: string
  /** subject ops/s ÷ anchor ops/s. */
  readonly ratio: number
  /** The ratio to reach, or undefined for an informative comparison. */
  readonly target: number | undefined
  readonly met: boolean | undefined
}

interface Candidate {
  readonly name: string
  readonly fn: () => unknown
  /** For asynchronous candidates: how many calls are kept in flight at once. */
  readonly concurrency: number | undefined
}

export class BenchSuite {
  readonly #candidates: Candidate[] = []
  readonly #results = new Map<string, BenchResult>()
  readonly #ratios: BenchRatio[] = []

  constructor(
    readonly packageName: string,
    readonly name: string
  ) {}

  /** A synchronous candidate: called back to back. */
  add(name: string, fn: () => unknown): this {
    this.#candidates.push({ name, fn, concurrency: undefined })
    return this
  }

  /** An asynchronous candidate: `concurrency` calls kept in flight; each completion counts as one operation. */
  addAsync(name: string, fn: () => Promise<unknown>, { concurrency }: { concurrency: number }): this {
    this.#candidates.push({ name, fn, concurrency })
    return this
  }

  async run(options: RunOptions = {}): Promise<readonly BenchResult[]> {
    const rounds = options.rounds ?? 15
    const roundMs = options.roundMs ?? 120
    const samples = new Map<string, number[]>(this.#candidates.map((c) => [c.name, []]))
    console.log(`${this.packageName} · ${this.name}: ${this.#candidates.length} candidates × ${rounds} rounds of ${roundMs} ms`)
    for (const candidate of this.#candidates) await measure(candidate, options.warmupMs ?? Math.min(roundMs, 100))
    const n = this.#candidates.length
    for (let round = 0; round < rounds; round++) {
      // Rotate who goes first, so no candidate always follows the same neighbour.
      for (let k = 0; k < n; k++) {
        const candidate = this.#candidates[(round + k) % n]!
        samples.get(candidate.name)!.push(await measure(candidate, roundMs))
      }
      await new Promise((resolve) => setImmediate(resolve)) // let pending I/O and GC run between rounds
      process.stdout.write(`  round ${round + 1}/${rounds}\r`)
    }
    process.stdout.write('\n')
    for (const [name, perRound] of samples) this.#results.set(name, { name, opsPerSecond: median(perRound), rounds: perRound })
    for (const result of this.#results.values()) console.log(`  ${result.name.padEnd(56)} ${formatOps(result.opsPerSecond).padStart(12)} ops/s`)
    return [...this.#results.values()]
  }

  /**
   * Records and prints subject ÷ anchor, against the target ratio `atLeast`
   * when there is one. The ratio is the median of per-round ratios: both ran
   * side by side in each round, so load that comes and goes cancels out.
   */
  compare(name: string, subject: string, anchor: string, { atLeast }: { atLeast?: number } = {}): BenchRatio {
    const a = this.#result(subject).rounds
    const b = this.#result(anchor).rounds
    const ratio = median(a.map((ops, round) => ops / b[round]!))
    const met = atLeast === undefined ? undefined : ratio >= atLeast
    const entry: BenchRatio = { name, subject, anchor, ratio, target: atLeast, met }
    this.#ratios.push(entry)
    const verdict = atLeast === undefined ? '(informative)' : `(target ≥ ${atLeast}×) ${met ? 'met' : 'NOT MET'}`
    console.log(`  ${name}: ${ratio.toFixed(2)}× ${verdict}`)
    return entry
  }

  /** Writes `<dir>/<name>.json` with the figures, ratios and the machine they came from. */
  async save(dir: URL): Promise<void> {
    await mkdir(dir, { recursive: true })
    const file = new URL(`${this.name}.json`, dir)
    const report = {
      package: this.packageName,
      benchmark: this.name,
      date: new Date().toISOString(),
      machine: { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      results: [...this.#results.values()],
      ratios: this.#ratios
    }
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
    console.log(`  wrote ${file.pathname}`)
  }

  #result(name: string): BenchResult {
    const result = this.#results.get(name)
    if (result === undefined) throw new Error(`no benchmark named ${name}; run() first`)
    return result
  }
}

function measure(candidate: Candidate, ms: number): Promise<number> {
  return candidate.concurrency === undefined
    ? Promise.resolve(runFor(candidate.fn, ms))
    : runAsyncFor(candidate.fn as () => Promise<unknown>, ms, candidate.concurrency)
}

/** Keeps `concurrency` calls of `fn` in flight for about `ms`; returns completions per second. */
async function runAsyncFor(fn: () => Promise<unknown>, ms: number, concurrency: number): Promise<number> {
  let completed = 0
  const start = performance.now()
  const worker = async (): Promise<void> => {
    while (performance.now() - start < ms) {
      await fn()
      completed++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return (completed / (performance.now() - start)) * 1000
}

/** Calls `fn` in growing batches for about `ms`; returns ops/s. */
function runFor(fn: () => unknown, ms: number): number {
  let ops = 0
  let batch = 1
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn()
    ops += batch
    elapsed = performance.now() - start
    if (elapsed < ms / 20) batch *= 2 // keep clock reads rare for fast functions
  }
  return (ops / elapsed) * 1000
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function formatOps(ops: number): string {
  return ops >= 100 ? Math.round(ops).toLocaleString('en-US') : ops.toFixed(1)
}
