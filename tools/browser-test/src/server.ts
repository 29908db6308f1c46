import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, resolve, sep } from 'node:path'

/** A running static server; `close` stops it and drops its open connections. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>/`, ending in a slash. */
  readonly url: string
  readonly close: () => Promise<void>
}

// Module scripts and module workers load only with a JavaScript MIME type.
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm'
}

/** Serves the files under `root` (a built bundle) on 127.0.0.1 at a free port; `/` is `index.html`. */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = resolve(root)
  const server = createServer((request, response) => void respond(base, request, response))
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', done)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done())
        server.closeAllConnections()
      })
  }
}

async function respond(base: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const file = fileFor(base, request)
  if (file === undefined) return void response.writeHead(404).end()
  try {
    const body = await readFile(file)
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
    response.end(request.method === 'HEAD' ? undefined : body)
  } catch {
    response.writeHead(404).end()
  }
}

/** The file a GET or HEAD asks for, if it lies under `base`; nothing else is served. */
function fileFor(base: string, request: IncomingMessage): string | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
  let path: string
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)
  } catch {
    return undefined
  }
  const file = resolve(base, `.${path.endsWith('/') ? `${path}index.html` : path}`)
  return file.startsWith(base + sep) ? file : undefined
}
