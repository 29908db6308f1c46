// Stamps minted by the package's browser entry in a Web Worker in real Chromium (Debian's), driven from Node.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPage, skipBrowserTests, type PageSession } from '@dscs/browser-test'
import { identityFromSeed, signEnvelope, verifyEnvelope } from '@dscs/identity'
import { createEnvelope, decodeEnvelope, encodeEnvelope, signingBytes, type Envelope } from '@dscs/wire'
import { NonceSearch, nonceBytes, verifyStamp } from '../src/node/index.js'
import type { MintRun } from './browser/mint-page.js'

const PAGE_DIR = fileURLToPath(new URL('./browser/', import.meta.url))
// Bounds against hangs, not timings: the page is bundled and the browser started on a loaded 2-core machine.
const SETUP_BOUND_MS = 120_000
const TEST_BOUND_MS = 90_000
const WAIT_BOUND_MS = 30_000

const alice = identityFromSeed(new Uint8Array(32).fill(7))

// A fixed key and timestamp: the same envelope, so the same first winning nonce, on every run.
function envelope(text: string): Envelope {
  return signEnvelope(alice, createEnvelope({ kind: 'test.Chat', payload: new TextEncoder().encode(text), author: alice.publicKey, timestamp: 1_000 }))
}

/** A Web Worker the page started, as Chromium reports it. */
interface SeenWorker {
  readonly url: string
  closed: boolean
}

describe.skipIf(skipBrowserTests())('minting in a Web Worker in Chromium', () => {
  let session: PageSession | undefined
  const workers: SeenWorker[] = []

  const page = (): PageSession['page'] => session!.page
  const start = (message: Envelope, bits: number, progressEvery: number): Promise<void> =>
    page().evaluate(([bytes, b, every]) => window.mintTest.start(bytes, b, every), [Array.from(encodeEnvelope(message)), bits, progressEvery] as const)
  const run = async (): Promise<MintRun> => (await page().evaluate(() => window.mintTest.run))!
  const settled = (): Promise<unknown> => page().waitForFunction(() => window.mintTest.run?.settled === true, undefined, { timeout: WAIT_BOUND_MS })

  beforeAll(async () => {
    session = await openPage(PAGE_DIR)
    session.page.on('worker', (worker) => {
      const seen: SeenWorker = { url: worker.url(), closed: false }
      workers.push(seen)
      worker.on('close', () => (seen.closed = true))
    })
  }, SETUP_BOUND_MS)

  afterAll(async () => {
    await session?.close()
  }, SETUP_BOUND_MS)

  it(
    'mints in a module worker a stamp that verifies in Node, with progress reports, and ends the worker',
    async () => {
      const message = envelope('minted in a browser')
      const bits = 16
      const progressEvery = 1_024
      // The first nonce that meets the target, found in Node: a worker searching from 0 must find this one.
      const first = new NonceSearch(signingBytes(message), bits).run(0, 2 ** 26)
      expect(first, 'the fixed envelope needs several batches of work').toBeGreaterThanOrEqual(2 * progressEvery)

      await start(message, bits, progressEvery)
      await settled()
      const result = await run()

      expect(result.error).toBeUndefined()
      const stamped = decodeEnvelope(Uint8Array.from(result.stamped!))
      expect(verifyStamp(stamped, bits)).toBe(true)
      expect(stamped.stamp).toEqual(nonceBytes(first))
      // The stamp is not signed: the signature still holds, and the rest of the envelope is untouched.
      expect(verifyEnvelope(stamped)).toBe(true)
      expect({ ...stamped, stamp: undefined }).toEqual({ ...message, stamp: undefined })

      // One report per batch searched without success, each counting every hash so far.
      const batches = Math.floor(first / progressEvery)
      expect(result.progress.map((p) => p.hashes)).toEqual(Array.from({ length: batches }, (_, i) => (i + 1) * progressEvery))
      for (const progress of result.progress) {
        expect(progress.expectedHashes).toBe(2 ** bits)
        expect(progress.hashRate).toBeGreaterThan(0)
        expect(progress.etaMs).toBeGreaterThan(0)
      }

      // It ran in a worker built from mint-worker.ts, which the minter ended once the stamp was found.
      expect(workers).toHaveLength(1)
      expect(workers[0]!.url).toMatch(/\/mint-worker[^/]*\.js$/)
      await expect.poll(() => workers[0]!.closed, { timeout: WAIT_BOUND_MS }).toBe(true)
      expect(session!.pageErrors).toEqual([])
    },
    TEST_BOUND_MS
  )

  it(
    'keeps the main thread free while a worker mints, and a cancelled mint ends its worker and rejects with ABORTED',
    async () => {
      const before = workers.length
      // 40 bits: about 2^40 hashes, hours of work, so the mint is still running when it is cancelled.
      await start(envelope('cancelled in a browser'), 40, 4_096)

      // While the worker searches, reports keep arriving and the page's own timer keeps ticking: the search is not on this thread.
      await page().waitForFunction(
        () => {
          const run = window.mintTest.run!
          return run.progress.length >= 2 && run.ticksAtFirstProgress !== undefined && run.ticks > run.ticksAtFirstProgress + 2
        },
        undefined,
        { timeout: WAIT_BOUND_MS }
      )
      expect((await run()).settled).toBe(false)
      expect(workers).toHaveLength(before + 1)
      const worker = workers[before]!
      expect(worker.closed).toBe(false)

      await page().evaluate(() => window.mintTest.abort())
      await settled()
      const result = await run()
      expect(result.stamped).toBeUndefined()
      expect(result.error).toMatchObject({ isTrustPowError: true, code: 'ABORTED' })
      // Chromium itself reports the worker gone: terminated, not left searching.
      await expect.poll(() => worker.closed, { timeout: WAIT_BOUND_MS }).toBe(true)
      expect(session!.pageErrors).toEqual([])
    },
    TEST_BOUND_MS
  )
})
