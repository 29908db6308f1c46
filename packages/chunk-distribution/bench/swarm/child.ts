// The peer-process side of the benchmark: commands from the coordinator answered one at a time, in order.
import { getHeapSpaceStatistics } from 'node:v8'
import type { Command, MemorySample, Reply } from './protocol.ts'

export const CHUNK = 256 * 1024

/** Answers commands with `handle` (`cpu` itself), after saying `ready`; exits after `stopped`, or as soon as the coordinator is gone. */
export function serve(ready: Reply, handle: (command: Exclude<Command, { type: 'cpu' }>) => Promise<Reply>): void {
  const send = (reply: Reply): Promise<void> => new Promise((resolve) => process.send?.(reply, undefined, {}, () => resolve()))
  let queue = Promise.resolve()
  process.on('message', (command: Command) => {
    queue = queue.then(async () => {
      let reply: Reply
      try {
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
