// The failure detector on netsim, as the issue asks: detection time of a crashed member at 100 and 1,000 members,
// false positives under 5% loss, messages per member per period. Prints the figures with their settings and writes
// them to bench/results/. Node runs this file as it is (type stripping), so it imports the built packages.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cluster } from '../test/cluster.ts'

const PERIOD = 1_000
const SIZES = (process.env.BENCH_SIZES ?? '100,1000').split(',').filter(Boolean).map(Number)
const TRIALS = Number(process.env.BENCH_TRIALS ?? 5)
const FP_MEMBERS = Number(process.env.BENCH_FP_MEMBERS ?? 100)
const FP_PERIODS = Number(process.env.BENCH_FP_PERIODS ?? 1_800)
// Independent runs with other seeds add member-hours: BENCH_FP_SEED picks one.
const FP_SEED = Number(process.env.BENCH_FP_SEED ?? 4242)
const LINK = { latencyMs: 20, jitterMs: 10 }
// BENCH_SUSPICION=multiplier,maxMultiplier,confirmations tunes the suspicion timeout (defaults 4,3,3: 4·log10(n) periods once three
// independent accusers confirm the first, up to 12·log10(n) with the first alone).
const [SUSPICION_MULTIPLIER, SUSPICION_MAX_MULTIPLIER, SUSPICION_CONFIRMATIONS] = (process.env.BENCH_SUSPICION ?? '4,3,3').split(',').map(Number) as [number, number, number]
const SWIM = { suspicionMultiplier: SUSPICION_MULTIPLIER, suspicionMaxMultiplier: SUSPICION_MAX_MULTIPLIER, suspicionConfirmations: SUSPICION_CONFIRMATIONS }
const MAX_EVENTS = 200_000_000

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

// Live members only, 5% loss on every link: members declared down (false positives) and suspected (refuted) per member-hour.
async function falsePositives(size: number, periods: number): Promise<{ downs: number; suspicions: number; memberHours: number; messagesPerMemberPeriod: number }> {
  const { sim, nodes } = cluster({ seed: FP_SEED, size, link: { ...LINK, loss: 0.05 }, swim: SWIM })
  await sim.run({ until: periods * PERIOD, maxEvents: MAX_EVENTS })
  // Each distinct (member, incarnation) once, however many members heard of it.
  const count = (type: string) => {
    const distinct = new Set<string>()
    for (const node of nodes) for (const { event } of node.app!.events) if (event.type === type && 'peer' in event) distinct.add(`${event.peer}@${event.incarnation}`)
    return distinct.size
  }
  return {
    downs: count('member-down'),
    suspicions: count('member-suspect'),
    memberHours: (size * periods * PERIOD) / 3_600_000,
    messagesPerMemberPeriod: sim.stats.sent / (size * periods)
  }
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
  for (let trial = 1; trial <= TRIALS; trial++) trials.push(await detect(size, trial))
  const seconds = ((performance.now() - started) / 1_000).toFixed(0)
  say(
    `${size} members, ${TRIALS} crashes: first suspicion after ${median(trials.map((t) => t.suspected)).toFixed(2)} periods (median; ` +
      `max ${Math.max(...trials.map((t) => t.suspected)).toFixed(2)}), first declared down after ${median(trials.map((t) => t.down)).toFixed(2)} periods (median); ` +
      `${median(trials.map((t) => t.messagesPerMemberPeriod)).toFixed(2)} messages sent per member per period [${seconds} s]`
  )
}
const fp = await falsePositives(FP_MEMBERS, FP_PERIODS)
say(
  `${FP_MEMBERS} live members, 5% loss on every link, ${FP_PERIODS} periods (${fp.memberHours.toFixed(1)} member-hours, seed ${FP_SEED}): ` +
    `${fp.downs} declared down (${((100 * fp.downs) / fp.memberHours).toFixed(3)}% per member-hour), ` +
    `${fp.suspicions} suspicions raised and refuted; ${fp.messagesPerMemberPeriod.toFixed(2)} messages per member per period`
)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
// One file per suspicion setting, and per seed for runs of false positives only, so no run overwrites another's figures.
const tuned = process.env.BENCH_SUSPICION === undefined ? '' : `-${SUSPICION_MULTIPLIER}-${SUSPICION_MAX_MULTIPLIER}-${SUSPICION_CONFIRMATIONS}`
const suffix = SIZES.length === 0 ? `${tuned}-fp-${FP_SEED}` : tuned
writeFileSync(new URL(`./results/detection${suffix}.txt`, import.meta.url), `${lines.join('\n')}\n`)
