// A TCP proxy on loopback that holds every chunk it forwards, each way, for a fixed delay: a relay behind it is slow
// for real (its WebSockets, its pings, its reservation), as a relay far away is.
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface DelayProxy {
  readonly port: number
  close(): Promise<void>
}

/** Listens on 127.0.0.1 and forwards each connection to `targetPort`, delaying every chunk by `delayMs` in both directions (order kept). */
export async function startDelayProxy(targetPort: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => [client, upstream].forEach((s) => s.destroy()))
    }
    delayed(client, upstream, delayMs)
    delayed(upstream, client, delayMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

// Timers of one delay fire in the order they were set: chunks arrive in the order they were sent.
function delayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk: Buffer) => setTimeout(() => to.destroyed || to.write(chunk), delayMs))
  from.on('end', () => setTimeout(() => to.end(), delayMs))
}
