// The failure detector on netsim, as the issue asks: detection time of a crashed member at 100 and 1,000 members,
// false positives under 5% loss, messages per member per period. Prints the figures with their settings and writes
// them to bench/results/. Node runs this file as it is (type stripping), so it imports the built packages.
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { cluster } from '../test/cluster.ts'

const PERIOD = 1_000
const SIZES = (process.env.BENCH_SIZES ?? '100,1000').split(',').filter(Boolean).map(Number)
const TRIALS = Number(process.env.BENCH_TRIALS ?? 5)
const FP_MEMBERS = Number(process.env.BENCH_FP_MEMBERS ?? 100)
const FP_PERIODS = Number(process.env.BENCH_FP_PERIODS ?? 1_800)
// Independent runs add member-hours: BENCH_FP_RUNS runs with seeds BENCH_FP_SEED, BENCH_FP_SEED + 1, …, each in its own
// child process, BENCH_FP_WORKERS at once (default: one per core), summed.
const FP_SEED = Number(process.env.BENCH_FP_SEED ?? 4242)
const FP_RUNS = Number(process.env.BENCH_FP_RUNS ?? 1)
const FP_WORKERS = Number(process.env.BENCH_FP_WORKERS ?? availableParallelism())
// Set in a child process: run the one false-positive run of BENCH_FP_SEED and print its figures as JSON.
const FP_CHILD = process.env.BENCH_FP_CHILD === '1'
const LINK = { latencyMs: 20, jitterMs: 10 }
// BENCH_SUSPICION=multiplier,maxMultiplier,confirmations tunes the suspicion timeout (defaults 4,3,3: 4·log10(n) periods once three
// independent accusers confirm the first, up to 12·log10(n) with the first alone).
const [SUSPICION_MULTIPLIER, SUSPICION_MAX_MULTIPLIER, SUSPICION_CONFIRMATIONS] = (process.env.BENCH_SUSPICION ?? '4,3,3').split(',').map(Number) as [number, number, number]
const SWIM = { suspicionMultiplier: SUSPICION_MULTIPLIER, suspicionMaxMultiplier: SUSPICION_MAX_MULTIPLIER, suspicionConfirmations: SUSPICION_CONFIRMATIONS }
const MAX_EVENTS = 200_000_000

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start)
  return (user + system) / 1e6
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

interface Detection {
  readonly suspected: number
  readonly down: number
  readonly messagesPerMemberPeriod: number
}

// One trial: `size` members settle for 5 periods, one crashes at a random point of a period; times are in periods.
async function detect(size: number, seed: number): Promise<Detection> {
  const { sim, nodes } = cluster({ seed, size, link: LINK, swim: SWIM })
  const warmup = 5 * PERIOD
  await sim.run({ until: warmup, maxEvents: MAX_EVENTS })
  const sentBefore = sim.stats.sent
  const crashAt = warmup + ((seed * 389) % PERIOD)
  const victim = nodes[seed % size]!
  await sim.run({ until: crashAt, maxEvents: MAX_EVENTS })
  const steady = (sim.stats.sent - sentBefore) / (size * ((crashAt - warmup) / PERIOD || 1))
  sim.crash(victim)
  const first = (type: string): number | undefined => {
    let earliest: number | undefined
    for (const node of nodes) {
      if (node === victim) continue
      for (const { at, event } of node.app!.events) {
        if (event.type === type && 'peer' in event && event.peer === victim.id && (earliest === undefined || at < earliest)) earliest = at
      }
    }
    return earliest
  }
  // Bounded: at most 60 periods after the crash, a period at a time until some member declares it down.
  for (let period = 1; period <= 60 && first('member-down') === undefined; period++) {
    await sim.run({ until: crashAt + period * PERIOD, maxEvents: MAX_EVENTS })
  }
  const suspected = first('member-suspect')
  const down = first('member-down')
  return {
    suspected: suspected === undefined ? Infinity : (suspected - crashAt) / PERIOD,
    down: down === undefined ? Infinity : (down - crashAt) / PERIOD,
    messagesPerMemberPeriod: steady
  }
}

interface FalsePositives {
  readonly seed: number
  readonly downs: number
  readonly suspicions: number
  readonly memberHours: number
  readonly messages: number
  readonly memberPeriods: number
  /** Wall time of the run, seconds. */
  readonly seconds: number
  /** CPU time of the run, seconds: on a shared machine the wall time says more about the others. */
  readonly cpuSeconds: number
}

// Live members only, 5% loss on every link: members declared down (false positives) and suspected (refuted) per member-hour.
async function falsePositives(seed: number, size: number, periods: number): Promise<FalsePositives> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const { sim, nodes } = cluster({ seed, size, link: { ...LINK, loss: 0.05 }, swim: SWIM })
  await sim.run({ until: periods * PERIOD, maxEvents: MAX_EVENTS })
  // Each distinct (member, incarnation) once, however many members heard of it.
  const count = (type: string) => {
    const distinct = new Set<string>()
    for (const node of nodes) for (const { event } of node.app!.events) if (event.type === type && 'incarnation' in event && 'peer' in event) distinct.add(`${event.peer}@${event.incarnation}`)
    return distinct.size
  }
  return {
    seed,
    downs: count('member-down'),
    suspicions: count('member-suspect'),
    memberHours: (size * periods * PERIOD) / 3_600_000,
    messages: sim.stats.sent,
    memberPeriods: size * periods,
    seconds: (performance.now() - started) / 1_000,
    cpuSeconds: cpuSecondsSince(cpu)
  }
}

const run = promisify(execFile)

// One run in a child process, so runs use every core.
async function falsePositivesApart(seed: number): Promise<FalsePositives> {
  const env = { ...process.env, BENCH_FP_CHILD: '1', BENCH_FP_SEED: String(seed) }
  const { stdout } = await run(process.execPath, [fileURLToPath(import.meta.url)], { env, maxBuffer: 1 << 20 })
  return JSON.parse(stdout) as FalsePositives
}

if (FP_CHILD) {
  console.log(JSON.stringify(await falsePositives(FP_SEED, FP_MEMBERS, FP_PERIODS)))
  process.exit(0)
}

const lines: string[] = []
const say = (line: string): void => {
  console.log(line)
  lines.push(line)
}
const longest = SUSPICION_MULTIPLIER * SUSPICION_MAX_MULTIPLIER
say(
  `settings: period ${PERIOD} ms, probe timeout 300 ms, k = 3 indirect probes, suspicion ${SUSPICION_MULTIPLIER}·log10(n) periods once ` +
    `${SUSPICION_CONFIRMATIONS} independent accusers confirm the first, up to ${longest}·log10(n) with the first alone, link ${LINK.latencyMs} ms + up to ${LINK.jitterMs} ms jitter each way`
)
for (const size of SIZES) {
  const trials: Detection[] = []
  const started = performance.now()
  const cpu = process.cpuUsage()
  for (let trial = 1; trial <= TRIALS; trial++) trials.push(await detect(size, trial))
  const seconds = `${((performance.now() - started) / 1_000).toFixed(0)} s wall, ${cpuSecondsSince(cpu).toFixed(0)} s CPU`
  say(
    `${size} members, ${TRIALS} crashes: first suspicion after ${median(trials.map((t) => t.suspected)).toFixed(2)} periods (median; ` +
      `max ${Math.max(...trials.map((t) => t.suspected)).toFixed(2)}), first declared down after ${median(trials.map((t) => t.down)).toFixed(2)} periods (median); ` +
      `${median(trials.map((t) => t.messagesPerMemberPeriod)).toFixed(2)} messages sent per member per period [${seconds}]`
  )
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
// One file per suspicion setting, and per first seed for runs of false positives only, so no run overwrites another's figures.
const tuned = process.env.BENCH_SUSPICION === undefined ? '' : `-${SUSPICION_MULTIPLIER}-${SUSPICION_MAX_MULTIPLIER}-${SUSPICION_CONFIRMATIONS}`
const suffix = SIZES.length === 0 ? `${tuned}-fp-${FP_SEED}` : tuned
const save = (extra: readonly string[]): void => writeFileSync(new URL(`./results/detection${suffix}.txt`, import.meta.url), `${[...lines, ...extra].join('\n')}\n`)
save([])

const fpStarted = performance.now()
// The runs' sum, written after every finished run so a long measurement stopped early still leaves its figures.
const runs: FalsePositives[] = []
const total = (): string[] => {
  const sum = (key: 'downs' | 'suspicions' | 'memberHours' | 'messages' | 'memberPeriods' | 'cpuSeconds') => runs.reduce((acc, r) => acc + r[key], 0)
  const memberHours = sum('memberHours')
  const downs = sum('downs')
  // Rule of three: with no event in `memberHours`, the rate is below 3 / memberHours at 95% confidence.
  const bound = downs === 0 ? `; 95% upper bound ${((100 * 3) / memberHours).toFixed(3)}% per member-hour (rule of three)` : ''
  return [
    ...runs.map((r) => `  seed ${r.seed}: ${r.downs} declared down, ${r.suspicions} suspicions refuted, ${r.memberHours.toFixed(1)} member-hours [${r.seconds.toFixed(0)} s wall, ${r.cpuSeconds.toFixed(0)} s CPU]`),
    `${FP_MEMBERS} live members, 5% loss on every link, ${runs.length} of ${FP_RUNS} runs of ${FP_PERIODS} periods (seeds from ${FP_SEED}, ${FP_WORKERS} at once): ` +
      `${memberHours.toFixed(1)} member-hours, ${downs} declared down (${((100 * downs) / memberHours).toFixed(3)}% per member-hour${bound}), ` +
      `${sum('suspicions')} suspicions raised and refuted; ${(sum('messages') / sum('memberPeriods')).toFixed(2)} messages per member per period [${((performance.now() - fpStarted) / 1_000).toFixed(0)} s wall, ` +
      `${sum('cpuSeconds').toFixed(0)} s CPU: ${(sum('cpuSeconds') / memberHours).toFixed(2)} s per member-hour]`
  ]
}
const seeds = Array.from({ length: FP_RUNS }, (_, i) => FP_SEED + i)
// BENCH_FP_RUNS=0 measures detection only.
if (FP_RUNS > 0) await Promise.all(
  Array.from({ length: Math.min(FP_WORKERS, FP_RUNS) }, async () => {
    for (let seed = seeds.shift(); seed !== undefined; seed = seeds.shift()) {
      runs.push(await falsePositivesApart(seed))
      runs.sort((a, b) => a.seed - b.seed)
      save(total())
    }
  })
)
const summary = FP_RUNS > 0 ? total() : []
for (const line of summary) console.log(line)
save(summary)
