import { fileURLToPath } from 'node:url'
import { bundlePage, serveStatic } from '@dscs/browser-test'
import { startRelay, type Relay, type RelayOptions } from './relay.js'

/** The app's directory: its `index.html` is the playground page. */
export const APP_DIR = fileURLToPath(new URL('../../', import.meta.url))

/** A relay node and the playground page served on loopback. */
export interface Playground {
  readonly relay: Relay
  /** The page's URL, with the relay's address in it (and the room; `loopback` for WebRTC over 127.0.0.1 only, as tests run). */
  pageUrl(options?: { room?: string; loopback?: boolean }): string
  stop(): Promise<void>
}

/** Starts a relay node, builds the page with Vite and serves it on 127.0.0.1. */
export async function startPlayground(options: RelayOptions = {}): Promise<Playground> {
  const relay = await startRelay(options)
  const stops: (() => Promise<void>)[] = [() => relay.stop()]
  const stop = async (): Promise<void> => {
    for (const end of stops.splice(0).reverse()) await end().catch(() => undefined)
  }
  try {
    const bundle = await bundlePage(APP_DIR)
    stops.push(bundle.remove)
    const server = await serveStatic(bundle.dir)
    stops.push(server.close)
    return {
      relay,
      pageUrl: ({ room, loopback = false } = {}) =>
        `${server.url}?${new URLSearchParams({ relay: relay.address, ...(room === undefined ? {} : { room }), ...(loopback ? { loopback: '1' } : {}) }).toString()}`,
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}
