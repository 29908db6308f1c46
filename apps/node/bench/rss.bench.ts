// Peak resident memory of `dscs get` downloading 1 GiB (issue 5's target: ≤ 200 MiB), the command as a user runs it.
// Two `dscs seed` processes serve a file that `dscs put` stored in their data directories; `dscs get` joins both and
// downloads it to a file, and its peak RSS is read from /proc/<pid>/status (VmHWM) every 100 ms. The copy is checked
// against the source's SHA-256, and the rate is the file's size over the get process's whole life (start-up included).
//
// Run: pnpm --filter @dscs/node bench (after a build), or alone: node apps/node/bench/rss.bench.ts
// BENCH_SIZE_MIB=n: n MiB (default 1024). BENCH_DIR: where the files go (about 5× the size of disk).
import { spawn, type ChildProcess } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'

const MiB = 2 ** 20
const SIZE = Number(process.env.BENCH_SIZE_MIB ?? 1024) * MiB
const SEEDERS = 2
const TARGET_MiB = 200
const RUN_LIMIT_MS = 20 * 60_000
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

const log = (line: string): void => console.error(`  [${new Date().toISOString().slice(11, 19)}] ${line}`)
const started: ChildProcess[] = []

type JsonEvent = { event: string } & Record<string, unknown>

/** Starts `dscs …args --json`; resolves with the process and an iterator of its JSON events. */
function dscs(args: string[]): { child: ChildProcess; events: AsyncIterator<JsonEvent>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] })
  started.push(child)
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const lines = createInterface({ input: child.stdout })
  async function* parsed(): AsyncGenerator<JsonEvent> {
    for await (const line of lines) if (line.startsWith('{')) yield JSON.parse(line) as JsonEvent
  }
  return { child, events: parsed(), exit }
}

/** The first event named `name` (failing if the process ends first). */
async function until(events: AsyncIterator<JsonEvent>, name: string): Promise<JsonEvent> {
  for (;;) {
    const next = await events.next()
    if (next.done === true) throw new Error(`dscs ended before its ${name} event`)
    if (next.value.event === name) return next.value
  }
}

/** `size` bytes of an AES-CTR keystream (deterministic, incompressible), written to `file`; their SHA-256. */
async function sourceFile(file: string, size: number): Promise<string> {
  const keystream = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16))
  const hash = createHash('sha256')
  const zeros = Buffer.alloc(MiB)
  async function* blocks(): AsyncGenerator<Buffer> {
    for (let written = 0; written < size; written += MiB) {
      const block = keystream.update(zeros.subarray(0, Math.min(MiB, size - written)))
      hash.update(block)
      yield block
    }
  }
  await pipeline(blocks(), createWriteStream(file))
  return hash.digest('hex')
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(file, { highWaterMark: MiB }), hash)
  return hash.digest('hex')
}

/** VmHWM (peak) and VmRSS of `pid` in bytes, or undefined once it is gone. */
function procMemory(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { hwm: kib('VmHWM'), rss: kib('VmRSS') }
  } catch {
    return undefined
  }
}

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'dscs-get-rss-'))
const limit = setTimeout(() => {
  console.error(`rss bench: over its ${RUN_LIMIT_MS / 60_000} min limit, stopping`)
  for (const child of started) child.kill('SIGKILL')
  process.exit(2)
}, RUN_LIMIT_MS)

try {
  const source = join(root, 'source.bin')
  log(`writing ${SIZE / MiB} MiB of content under ${root}`)
  const sha256 = await sourceFile(source, SIZE)
  const addresses: string[] = []
  let cid = ''
  for (let i = 0; i < SEEDERS; i++) {
    const data = join(root, `seeder-${i}`)
    await mkdir(data)
    const put = dscs(['put', source, '--data', data])
    cid = (await until(put.events, 'put')).cid as string
    if ((await put.exit) !== 0) throw new Error('dscs put failed')
    const seed = dscs(['seed', cid, '--data', data, '--listen', '/ip4/127.0.0.1/tcp/0'])
    const ready = await until(seed.events, 'ready')
    addresses.push((ready.multiaddrs as string[])[0]!)
    log(`seeder ${i} ready at ${addresses.at(-1)}`)
  }

  const output = join(root, 'copy.bin')
  const leecherData = join(root, 'leecher')
  await mkdir(leecherData)
  const start = performance.now()
  const get = dscs(['get', cid, '-o', output, '--data', leecherData, '--timeout', '120', ...addresses.flatMap((a) => ['--join', a])])
  const pid = get.child.pid!
  let peak = 0
  let told = 0
  const sampler = setInterval(() => {
    const memory = procMemory(pid)
    if (memory === undefined) return
    peak = Math.max(peak, memory.hwm)
    const seconds = (performance.now() - start) / 1000
    if (seconds - told >= Number(process.env.BENCH_TELL_S ?? 5)) {
      told = seconds
      log(`dscs get at ${seconds.toFixed(0)} s: RSS ${(memory.rss / MiB).toFixed(0)} MiB, peak ${(memory.hwm / MiB).toFixed(0)} MiB`)
    }
  }, 100)
  // Read its events to the end, so its output never blocks it.
  const drained = (async () => {
    for (let next = await get.events.next(); next.done !== true; next = await get.events.next());
  })()
  const code = await get.exit
  clearInterval(sampler)
  await drained
  const seconds = (performance.now() - start) / 1000
  if (code !== 0) throw new Error(`dscs get exited with ${code}`)
  const verified = (await sha256Of(output)) === sha256
  if (!verified) throw new Error('the downloaded copy differs from the source')

  const peakMiB = peak / MiB
  const met = peakMiB <= TARGET_MiB
  console.log(
    `dscs get of ${SIZE / MiB} MiB from ${SEEDERS} dscs seed processes: peak RSS ${peakMiB.toFixed(0)} MiB ` +
      `(target ≤ ${TARGET_MiB} MiB: ${met ? 'met' : 'NOT met'}); ${(SIZE / MiB / seconds).toFixed(1)} MiB/s over ${seconds.toFixed(1)} s, start-up included; copy verified`
  )
  const results = new URL('./results/', import.meta.url)
  await mkdir(results, { recursive: true })
  const report = { date: new Date().toISOString(), node: process.version, bytes: SIZE, seeders: SEEDERS, peakRssMiB: peakMiB, target: { atMostMiB: TARGET_MiB, met }, seconds, MiBps: SIZE / MiB / seconds, verified }
  await writeFile(new URL('rss.json', results), `${JSON.stringify(report, null, 2)}\n`)
} finally {
  clearTimeout(limit)
  const running = started.filter((child) => child.exitCode === null && child.signalCode === null)
  const stopped = running.map((child) => new Promise((resolve) => child.once('exit', resolve)))
  for (const child of running) child.kill('SIGTERM')
  await Promise.all(stopped)
  await rm(root, { recursive: true, force: true })
}
