// `dscs node --chunks`: a file put on one running node, fetched by another with /get, shown in the API's transfers view.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { start, type Running } from './spawn.js'

// A bound against hangs, not a timing: two node processes on a loaded 2-core machine.
const TEST_BOUND_MS = 90_000

describe('dscs node --chunks', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it(
    'puts a file on one node and gets it on another, reporting progress; the API lists the transfer',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dscs-node-chunks-'))
      cleanups.push(() => rm(dir, { recursive: true, force: true }))
      const file = join(dir, 'content.bin')
      await writeFile(file, randomBytes(3 * 1024 * 1024 + 17))
      const node = (name: string, ...flags: string[]): Running => {
        const running = start(['node', '--data', join(dir, name), '--transports', 'tcp', '--chunks', '--json', ...flags], TEST_BOUND_MS, { stdin: true })
        cleanups.push(async () => {
          running.child.kill('SIGTERM')
          await running.exit
        })
        return running
      }
      const seeder = node('seeder')
      const seederAddress = ((await seeder.next('ready')).multiaddrs as string[])[0]!
      const leecher = node('leecher', '--api', '0', '--join', seederAddress)
      const { url } = (await leecher.next('api')) as unknown as { url: string }
      await leecher.next('peer:connect')

      seeder.child.stdin!.write(`/put ${file}\n`)
      const { cid } = (await seeder.next('put')) as unknown as { cid: string }
      leecher.child.stdin!.write(`/get ${cid}\n`)
      const fetched = await leecher.next('fetched')
      expect(fetched).toMatchObject({ cid, percent: 100, bytes: 3 * 1024 * 1024 + 17 })

      const transfers = (await (await fetch(`${url}api/transfers`)).json()) as unknown[]
      expect(transfers).toEqual([expect.objectContaining({ cid, direction: 'download', percent: 100, done: true })])
      leecher.child.stdin!.write('/get not-a-cid\n')
      expect((await leecher.next('get-failed')).error).toContain('bad content id')
    },
    TEST_BOUND_MS
  )
})
