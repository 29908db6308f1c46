import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { run, start } from './spawn.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-cli-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

/** Starts `dscs node --json`, waits for its ready event, then stops it with `signal`. */
async function startAndStop(args: string[], signal: NodeJS.Signals): Promise<{ peerId: string; events: string[]; code: number | null }> {
  const node = start(['node', '--json', ...args], 30_000)
  const ready = await node.next('ready')
  node.child.kill(signal)
  const code = await node.exit
  return { peerId: ready.peerId as string, events: node.events.map((e) => e.event), code }
}

const noStackTrace = (text: string): void => expect(text).not.toMatch(/^\s+at /m)

describe('dscs (the built command line)', () => {
  it('dscs demo --nodes 3 runs end to end: shared state with a late-op correction, every envelope delivered, clean stops', async () => {
    // Generous: the demo's own deadline is 180 s, and a loaded CI machine (tests in parallel) is slow to start processes.
    const result = await run(['demo', '--nodes', '3'], 230_000)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    // The offline node's +10 reaches the others late and rewrites their past; its ops confirm once it is trusted.
    expect(result.stdout).toContain('node 0: predicted apples 2 → 12, a correction: the past was rewritten')
    expect(result.stdout).toContain('node 2: apples predicted 12, confirmed 12; note "hello from node 0"')
    // The shared Y.Text merged the lines written apart, the offline one included.
    expect(result.stdout).toContain('  | node 2 wrote this line apart')
    // The dashboard's URL, and a chunk transfer to every other node.
    expect(result.stdout).toMatch(/its dashboard: http:\/\/127\.0\.0\.1:\d+\//)
    expect(result.stdout).toMatch(/every node holds \S+ and seeds it/)
    // A partition 2/1, a write on each side, a heal: both writes everywhere.
    expect(result.stdout).toContain('each side sees it: 2 of 3 members is a majority, 1 of 3 a minority')
    // The minority node heals with one member of the majority or both at once, as the membership merges, and took in
    // the majority's pear (and the ops it sent, counted where the reconnection's anti-entropy carried them).
    expect(result.stdout).toMatch(/node 2: healed with [12] member\(s\) \(frp-state: [1-9]\d* received, \d+ sent\); pears predicted 3, confirmed 3/)
    expect(result.stdout).toContain('all 3 nodes stopped cleanly')
    expect(result.stdout).toContain('demo complete: 3 nodes, one shared state under signatures, one content fetched by 2, 6 deliveries, no loss')
  }, 240_000)

  it('dscs node stops cleanly on SIGINT and SIGTERM and keeps its PeerId across restarts', async () => {
    const data = join(dir, 'node')
    const passphrase = join(dir, 'passphrase')
    await writeFile(passphrase, 'secret\n')
    const args = ['--data', data, '--passphrase-file', passphrase, '--listen', '/ip4/127.0.0.1/tcp/0']
    const first = await startAndStop(args, 'SIGINT')
    expect(first.code).toBe(0)
    expect(first.events).toEqual(['ready', 'stopping', 'stopped'])
    const second = await startAndStop(args, 'SIGTERM')
    expect(second.code).toBe(0)
    expect(second.peerId).toBe(first.peerId)
  }, 60_000)

  it('a bad flag or an unusable data directory is a one-line error and a non-zero exit, never a stack trace', async () => {
    const badFlag = await run(['node', '--bogus'])
    expect(badFlag.code).not.toBe(0)
    expect(badFlag.stderr).toContain("unknown option '--bogus'")
    noStackTrace(badFlag.stderr)

    const badTransport = await run(['get', 'x', '-o', join(dir, 'out'), '--transports', 'tcp,pigeon'])
    expect(badTransport.code).not.toBe(0)
    expect(badTransport.stderr).toContain('unknown transport pigeon')
    noStackTrace(badTransport.stderr)

    const file = join(dir, 'a-file')
    await writeFile(file, 'not a directory')
    const badData = await run(['node', '--data', join(file, 'sub')])
    expect(badData.code).toBe(1)
    expect(badData.stderr.trim().split('\n')).toHaveLength(1)
    expect(badData.stderr).toMatch(/^dscs: cannot use .* as the data directory/)
    noStackTrace(badData.stderr)

    const wrongPassphrase = join(dir, 'wrong')
    await writeFile(wrongPassphrase, 'not the secret')
    const locked = await run(['node', '--data', join(dir, 'node'), '--passphrase-file', wrongPassphrase])
    expect(locked.code).toBe(1)
    expect(locked.stderr).toMatch(/^dscs: wrong passphrase/)
    noStackTrace(locked.stderr)

    const badNodes = await run(['demo', '--nodes', 'many'])
    expect(badNodes.code).not.toBe(0)
    expect(badNodes.stderr).toContain('expected a whole number')
  }, 60_000)
})
