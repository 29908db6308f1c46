// Real libp2p nodes with tc netem delays on loopback, in a network namespace the test makes itself (root, as in CI):
// 127.0.0.3 is 40 ms away each way (a prio qdisc band with netem, chosen by u32 filters on its address), 127.0.0.1 and
// .2 are not. The node at .1 pings both (netem-peers.ts, run inside the namespace) and must rank the delayed one below.
// Where the namespace, the prio qdisc or netem cannot be had (not root, a kernel without sch_netem), the test is
// skipped with a line saying which step failed: it never passes without the delay in place.
import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const exec = promisify(execFile)
const NAMESPACE = `dscs-ro-${process.pid}`
const DELAY_MS = 40
const SLOW = '127.0.0.3'
const PEERS = fileURLToPath(new URL('./netem-peers.ts', import.meta.url))
/** Bound against a hang of the child (three nodes start, twelve pings), not a timing. */
const CHILD_BOUND_MS = 90_000

/** The command line of `tc args` run inside the namespace. */
const tc = (...args: string[]): string[] => ['ip', 'netns', 'exec', NAMESPACE, 'tc', ...args]

/** Makes the namespace and its delays; undefined when done, else why not, in one line (and nothing is left behind). */
async function setUp(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'it needs root to make a network namespace (ip netns add)'
  const steps: string[][] = [
    ['ip', 'netns', 'add', NAMESPACE],
    ['ip', '-n', NAMESPACE, 'link', 'set', 'lo', 'up'],
    tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'prio', 'bands', '4'),
    tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:4', 'handle', '40:', 'netem', 'delay', `${DELAY_MS}ms`),
    // Both directions of every connection with the slow address go through the delayed band.
    tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', `${SLOW}/32`, 'flowid', '1:4'),
    tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'src', `${SLOW}/32`, 'flowid', '1:4')
  ]
  for (const [command, ...args] of steps) {
    try {
      await exec(command!, args)
    } catch (error) {
      await tearDown()
      const stderr = (error as { stderr?: string }).stderr?.trim().split('\n')[0]
      return `\`${[command, ...args].join(' ')}\` failed: ${stderr || (error as Error).message}`
    }
  }
  return undefined
}

async function tearDown(): Promise<void> {
  await exec('ip', ['netns', 'del', NAMESPACE]).catch(() => undefined)
}

/** Runs netem-peers.ts in the namespace and parses the one JSON line it prints. */
async function runPeers(): Promise<Report> {
  const child = spawn('ip', ['netns', 'exec', NAMESPACE, process.execPath, PEERS], { stdio: ['ignore', 'pipe', 'inherit'] })
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_BOUND_MS)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  const line = output.split('\n').find((l) => l.startsWith('{'))
  if (code !== 0 || line === undefined) throw new Error(`netem-peers.ts exited with ${code} and printed: ${output}`)
  return JSON.parse(line) as Report
}

interface Report {
  readonly near: string
  readonly far: string
  readonly rtts: { readonly near: number[]; readonly far: number[] }
  readonly scores: { readonly near: number; readonly far: number }
  readonly appScores: { readonly near: number; readonly far: number }
  readonly keep: string[]
}

const unavailable = await setUp()
if (unavailable !== undefined) console.log(`SKIPPED the tc netem test: ${unavailable}`)

describe.skipIf(unavailable !== undefined)('real libp2p nodes behind tc netem delays on loopback', () => {
  afterAll(tearDown)

  it(
    'measures the delayed peer at twice the delay or more, scores it below the near one and keeps the near one',
    async () => {
      const report = await runPeers()
      // netem holds every packet to or from the slow address for DELAY_MS: no ping there can come back sooner.
      expect(Math.min(...report.rtts.far)).toBeGreaterThanOrEqual(2 * DELAY_MS)
      expect(report.scores.near).toBeGreaterThan(report.scores.far)
      expect(report.appScores.near).toBeGreaterThan(report.appScores.far)
      expect(report.keep).toEqual([report.near])
    },
    CHILD_BOUND_MS + 10_000
  )
})
