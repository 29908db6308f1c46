// The coordinator's side of the peer processes: one `fork` per peer, commands over IPC, every wait bounded in time,
// and every child killed by its PID on a timeout, a failure or the coordinator's exit.
import { fork, type ChildProcess } from 'node:child_process'
import type { Command, Reply } from './protocol.ts'

export type System = 'dscs' | 'webtorrent' | 'libp2p'

const SCRIPTS: Record<System, URL> = {
  dscs: new URL('./dscs-peer.ts', import.meta.url),
  webtorrent: new URL('./webtorrent-peer.ts', import.meta.url),
  libp2p: new URL('./libp2p-peer.ts', import.meta.url)
}

const live = new Set<ChildProcess>()
// The children also exit when their IPC channel closes; this covers a coordinator that exits without closing it.
process.on('exit', () => {
  for (const child of live) if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
})

interface Pending {
  readonly resolve: (reply: Reply) => void
  readonly reject: (error: Error) => void
}

/** A peer process: commands answered in order, each within its own time limit. */
export class PeerProcess {
  readonly system: System
  readonly pid: number
  readonly #child: ChildProcess
  readonly #pending: Pending[] = []
  readonly #exited: Promise<void>
  #address = ''

  private constructor(system: System, child: ChildProcess) {
    this.system = system
    this.#child = child
    this.pid = child.pid!
    live.add(child)
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()))
    child.on('message', (reply: Reply) => this.#pending.shift()?.resolve(reply))
    child.once('exit', (code, signal) => {
      live.delete(child)
      const error = new Error(`${system} peer ${this.pid} exited (${signal ?? `code ${code}`})`)
      for (const pending of this.#pending.splice(0)) pending.reject(error)
    })
  }

  /** Starts a peer keeping its files under `directory`; resolves once it listens. */
  static async spawn(system: System, directory: string, timeoutMs: number): Promise<PeerProcess> {
    // Children's stdout goes to our stderr: the coordinator's stdout is the report.
    const child = fork(SCRIPTS[system], [directory], { stdio: ['ignore', 2, 2, 'ipc'] })
    if (child.pid === undefined) throw new Error(`cannot start a ${system} peer`)
    const peer = new PeerProcess(system, child)
    const ready = await peer.#next('spawn', timeoutMs)
    if (ready.type !== 'ready') throw new Error(`${system} peer ${peer.pid}: expected ready, got ${ready.type}`)
    peer.#address = ready.address
    return peer
  }

  /** Where other peers reach it: a multiaddr (DSCS) or `host:port` (WebTorrent). */
  get address(): string {
    return this.#address
  }

  /** Sends `command` and waits for its reply, of the type `expect`; kills the peer if none comes within `timeoutMs`. */
  async ask<T extends Reply['type']>(command: Command, expect: T, timeoutMs: number): Promise<Extract<Reply, { type: T }>> {
    const reply = this.#next(command.type, timeoutMs)
    this.#child.send(command)
    const answer = await reply
    if (answer.type === 'failed') throw new Error(`${this.system} peer ${this.pid}, ${command.type}: ${answer.message}`)
    if (answer.type !== expect) throw new Error(`${this.system} peer ${this.pid}, ${command.type}: expected ${expect}, got ${answer.type}`)
    return answer as Extract<Reply, { type: T }>
  }

  /** Asks the peer to stop; kills it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    if (!live.has(this.#child)) return
    await this.ask({ type: 'stop' }, 'stopped', timeoutMs).catch(() => this.kill())
    await Promise.race([this.#exited, sleep(timeoutMs)])
    this.kill()
  }

  kill(): void {
    if (live.has(this.#child)) process.kill(this.pid, 'SIGKILL')
  }

  #next(what: string, timeoutMs: number): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill()
        reject(new Error(`${this.system} peer ${this.pid}: no answer to ${what} within ${(timeoutMs / 1000).toFixed(0)} s (killed)`))
      }, timeoutMs)
      this.#pending.push({
        resolve: (reply) => {
          clearTimeout(timer)
          resolve(reply)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        }
      })
    })
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
