import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { run, start, type Running } from './spawn.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-chunks-'))
const running: Running[] = []
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL')
  await Promise.all(running.map((r) => r.exit))
  await rm(dir, { recursive: true, force: true })
})

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** One line on standard error, `dscs: …`, exit code 1, nothing on standard output. */
function expectOneLineError(result: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1)
  expect(result.stdout).toBe('')
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
  expect(result.stderr).toMatch(message)
}

describe('dscs put, seed and get (the built command line)', () => {
  it('a file put in one data directory and seeded there is got, byte for byte, into another', async () => {
    const input = join(dir, 'input.bin')
    const bytes = randomBytes(3 * 1024 * 1024 + 12_345)
    await writeFile(input, bytes)
    const seederData = join(dir, 'seeder')

    const put = await run(['put', input, '--data', seederData, '--json'])
    expect(put.stderr).toBe('')
    expect(put.code).toBe(0)
    const { cid, size, chunks } = JSON.parse(put.stdout) as { cid: string; size: number; chunks: number }
    expect(size).toBe(bytes.length)
    expect(chunks).toBe(13) // 256 KiB chunks
    // Without --json, the id alone: `cid=$(dscs put file)` works.
    const again = await run(['put', input, '--data', seederData])
    expect(again.stdout).toBe(`${cid}\n`)

    const seeder = start(['seed', cid, '--data', seederData, '--listen', '/ip4/127.0.0.1/tcp/0', '--json'])
    running.push(seeder)
    const ready = await seeder.next('ready')
    expect(ready.seeding).toEqual([{ cid, size: bytes.length, chunks: 13, held: 13, complete: true }])
    const address = (ready.multiaddrs as string[]).find((a) => a.includes('/tcp/') && !a.includes('/ws'))!

    const output = join(dir, 'output.bin')
    const get = await run(['get', cid, '-o', output, '--data', join(dir, 'leecher'), '--join', address, '--json'], 120_000)
    expect(get.stderr).toBe('')
    expect(get.code).toBe(0)
    const events = get.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; percent?: number })
    expect(events.at(-1)).toEqual({ event: 'saved', cid, file: output, size: bytes.length })
    // The last report is always shown: 100%.
    expect(events.filter((e) => e.event === 'progress').at(-1)?.percent).toBe(100)
    expect(sha256(await readFile(output))).toBe(sha256(bytes))

    seeder.child.kill('SIGTERM')
    expect(await seeder.exit).toBe(0)
    expect(seeder.events.map((e) => e.event)).toContain('stopped')
  }, 180_000)

  it('a malformed content id or an output that cannot be written is a one-line error, before any node starts', async () => {
    const data = join(dir, 'malformed')
    const result = await run(['get', 'not-a-cid', '-o', join(dir, 'x'), '--data', data])
    expectOneLineError(result, /^dscs: bad content id "not-a-cid": /)
    // No node started: it would have created the data directory.
    await expect(readFile(join(data, 'identity.json'))).rejects.toThrow()
    const seed = await run(['seed', 'bafkqaaa', '--data', data])
    expectOneLineError(seed, /^dscs: bad content id "bafkqaaa": .*is not a DSCS content id/)
    const cid = 'bahc2xqybciqjykr5lezx2mjewcxvwwtxtdmftiup46mcnsr6xlw7j3lnt6uzvpy'
    expectOneLineError(await run(['get', cid, '-o', dir, '--data', data]), /^dscs: .* is a directory, not a file to write/)
    await expect(readFile(join(data, 'identity.json'))).rejects.toThrow()
  }, 60_000)

  it('content nobody has: get gives up after --timeout; seed refuses content not in its store; put a missing file', async () => {
    const absent = join(dir, 'absent.bin')
    await writeFile(absent, randomBytes(1000))
    const elsewhere = join(dir, 'elsewhere')
    const { stdout } = await run(['put', absent, '--data', elsewhere])
    const cid = stdout.trim()

    const get = await run(['get', cid, '-o', join(dir, 'never'), '--data', join(dir, 'nobody'), '--timeout', '1', '--listen', '/ip4/127.0.0.1/tcp/0'])
    expectOneLineError(get, new RegExp(`^dscs: no peer holds ${cid}: `))

    const seed = await run(['seed', cid, '--data', join(dir, 'nobody'), '--listen', '/ip4/127.0.0.1/tcp/0'])
    expectOneLineError(seed, new RegExp(`^dscs: ${cid} is not in .*: add it with dscs put`))

    const missing = await run(['put', join(dir, 'no-such-file'), '--data', elsewhere])
    expectOneLineError(missing, /^dscs: no such file: /)
  }, 60_000)
})
