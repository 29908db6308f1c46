// The peer-process side of the benchmark: commands from the coordinator answered one at a time, in order.
import { Session } from 'node:inspector/promises'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getHeapSpaceStatistics } from 'node:v8'
import type { Command, MemorySample, Reply } from './protocol.ts'

export const CHUNK = 256 * 1024

const DIAL_ATTEMPTS = 10
const DIAL_RETRY_MS = 250

/**
 * Dials peers again after a refusal: on loopback every peer dials from 127.0.0.1, and libp2p refuses more than 5
 * inbound connections a second from one host (its connection manager's `inboundConnectionThreshold`), which a flash
 * crowd of 8 local leechers exceeds. Peers on their own hosts would not meet it. Counts the refusals for the notes.
 */
export class Redialler {
  refused = 0

  async dial<T>(dial: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await dial()
      } catch (err) {
        if (attempt === DIAL_ATTEMPTS) throw err
        this.refused++
        await new Promise((resolve) => setTimeout(resolve, DIAL_RETRY_MS))
      }
    }
  }

  /** What the notes say of it: nothing, or how many dials were refused. */
  notes(): string[] {
    return this.refused > 0 ? [`${this.refused} dials refused and retried`] : []
  }
}

/** Answers commands with `handle` (`cpu` itself), after saying `ready`; exits after `stopped`, or as soon as the coordinator is gone. */
export function serve(ready: Reply, handle: (command: Exclude<Command, { type: 'cpu' }>) => Promise<Reply>): void {
  const send = (reply: Reply): Promise<void> => new Promise((resolve) => process.send?.(reply, undefined, {}, () => resolve()))
  let queue = Promise.resolve()
  process.on('message', (command: Command) => {
    queue = queue.then(async () => {
      let reply: Reply
      try {
        if (command.type === 'cpu' && PROFILE_DIR !== undefined) await toggleProfile(PROFILE_DIR)
        reply = command.type === 'cpu' ? { type: 'cpu', seconds: cpuSeconds() } : await handle(command)
      } catch (err) {
        reply = { type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }
      }
      await send(reply)
      if (reply.type === 'stopped') process.exit(0)
    })
  })
  // An orphan would keep its ports and files: the coordinator's exit (or its kill) ends its peers.
  process.on('disconnect', () => process.exit(0))
  void send(ready)
}

/** Samples `process.memoryUsage()` every 100 ms and keeps the sample of largest resident set. */
export class MemoryPeak {
  #peak: MemorySample = memorySample()
  readonly #timer = setInterval(() => this.#sample(), 100)

  /** Stops sampling; the peak seen. */
  stop(): MemorySample {
    clearInterval(this.#timer)
    this.#sample()
    return this.#peak
  }

  #sample(): void {
    const now = memorySample()
    if (now.rss > this.#peak.rss) this.#peak = now
  }
}

function memorySample(): MemorySample {
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage()
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0
  return { rss, heapTotal, heapUsed, external, arrayBuffers, newSpace }
}

/** CPU time used by the process so far, user and system, seconds. */
const cpuSeconds = (): number => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

/** The process's peak resident set in bytes, as the kernel counted it (ru_maxrss). */
export const maxRss = (): number => process.resourceUsage().maxRSS * 1024

// The coordinator asks for the CPU time as the clock starts and as it stops: with BENCH_PROFILE set, the profile
// of each peer covers exactly the timed part.
const PROFILE_DIR = process.env.BENCH_PROFILE
let profiling: Session | undefined

async function toggleProfile(directory: string): Promise<void> {
  if (profiling === undefined) {
    profiling = new Session()
    profiling.connect()
    await profiling.post('Profiler.enable')
    await profiling.post('Profiler.start')
    return
  }
  const { profile } = await profiling.post('Profiler.stop')
  await writeFile(join(directory, `${process.pid}.cpuprofile`), JSON.stringify(profile))
  profiling.disconnect()
  profiling = undefined
}
