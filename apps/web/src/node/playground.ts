import { fileURLToPath } from 'node:url'
import { bundlePage, serveStatic } from '@dscs/browser-test'
import { startRelay, type Relay, type RelayOptions } from './relay.js'

/** The app's directory: its `index.html` is the playground page. */
export const APP_DIR = fileURLToPath(new URL('../../', import.meta.url))

/** Relay nodes and the playground page served on loopback. */
export interface Playground {
  readonly relays: readonly Relay[]
  /**
   * The page's URL, with the relays' addresses in it (`relays`, default every
   * relay's; the page reserves at the best it measures), the room, and
   * `loopback` for WebRTC over 127.0.0.1 only, as tests run.
   */
  pageUrl(options?: { room?: string; loopback?: boolean; relays?: readonly string[] }): string
  stop(): Promise<void>
}

export interface PlaygroundOptions extends RelayOptions {
  /** Relay nodes to start. Default 1. */
  readonly relays?: number
}

/** Starts relay nodes, builds the page with Vite and serves it on 127.0.0.1. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const relays: Relay[] = []
  const stops: (() => Promise<void>)[] = []
  const stop = async (): Promise<void> => {
    for (const end of stops.splice(0).reverse()) await end().catch(() => undefined)
  }
  try {
    for (let i = 0; i < (options.relays ?? 1); i++) {
      const relay = await startRelay(options)
      relays.push(relay)
      stops.push(() => relay.stop())
    }
    const bundle = await bundlePage(APP_DIR)
    stops.push(bundle.remove)
    const server = await serveStatic(bundle.dir)
    stops.push(server.close)
    return {
      relays,
      pageUrl: ({ room, loopback = false, relays: addresses = relays.map((r) => r.address) } = {}) => {
        const query = new URLSearchParams(addresses.map((address) => ['relay', address]))
        if (room !== undefined) query.set('room', room)
        if (loopback) query.set('loopback', '1')
        return `${server.url}?${query.toString()}`
      },
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}
