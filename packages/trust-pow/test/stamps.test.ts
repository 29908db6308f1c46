import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { identityFromSeed, signEnvelope } from '@dscs/identity'
import { createEnvelope, signingBytes, type Envelope } from '@dscs/wire'
import {
  NonceSearch,
  checkStamp,
  mintStamp,
  mintWith,
  nodeMintWorker,
  nonceBytes,
  runMintJob,
  stampWork,
  verifyStamp,
  type MintProgress,
  type MintReply,
  type MintWorker,
  type NodeMintWorker
} from '../src/node/index.js'

const alice = identityFromSeed(new Uint8Array(32).fill(1))

// Fixed keys and timestamps: every envelope, and so every minted nonce, is the same on every run.
function envelope(text: string): Envelope {
  return signEnvelope(alice, createEnvelope({ kind: 'test.Chat', payload: new TextEncoder().encode(text), author: alice.publicKey, timestamp: 1_000 }))
}

// The work a stamp proves, computed independently of the package: node:crypto over the same bytes.
function referenceWork(signing: Uint8Array, stamp: Uint8Array): number {
  const digest = createHash('sha256').update(signing).update(stamp).digest()
  let zeros = 0
  for (const byte of digest) {
    zeros += Math.clz32(byte) - 24
    if (byte !== 0) break
  }
  return zeros
}

describe('stamps', () => {
  it('mints on a worker thread a stamp that verifies at its difficulty, and not above what it proves', async () => {
    const message = envelope('hello')
    const stamped = await mintStamp(message, 12, { inlineBelowBits: 0 })
    const work = stampWork(signingBytes(stamped), stamped.stamp)
    expect(work).toBeGreaterThanOrEqual(12)
    expect(work).toBe(referenceWork(signingBytes(message), stamped.stamp))
    expect(verifyStamp(stamped, 12)).toBe(true)
    expect(verifyStamp(stamped, work + 1)).toBe(false)
    // The stamp is not signed: the envelope is otherwise untouched.
    expect({ ...stamped, stamp: undefined }).toEqual({ ...message, stamp: undefined })
  })

  it('mints small difficulties inline, and on several workers', async () => {
    const inline = await mintStamp(envelope('inline'), 8)
    expect(verifyStamp(inline, 8)).toBe(true)
    const shared = await mintStamp(envelope('two workers'), 12, { inlineBelowBits: 0, workers: 2 })
    expect(verifyStamp(shared, 12)).toBe(true)
  })

  it('refuses a stamp moved to another message, a wrong nonce, a missing or malformed stamp', async () => {
    const stamped = await mintStamp(envelope('original'), 12, { inlineBelowBits: 0 })
    const other = envelope('another')
    expect(stampWork(signingBytes(other), stamped.stamp)).toBeLessThan(12)
    expect(verifyStamp({ ...other, stamp: stamped.stamp }, 12)).toBe(false)
    const signing = signingBytes(stamped)
    const nonce = new DataView(stamped.stamp.buffer, stamped.stamp.byteOffset).getUint32(4)
    expect(stampWork(signing, nonceBytes(nonce + 1))).toBeLessThan(12)
    expect(() => checkStamp(signing, nonceBytes(nonce + 1), 12)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_WORK' }) as Error)
    expect(() => checkStamp(signing, undefined, 12)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_WORK' }) as Error)
    expect(() => checkStamp(signing, stamped.stamp.subarray(1), 12)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_WORK' }) as Error)
    expect(() => checkStamp(signing, stamped.stamp, 12)).not.toThrow()
    // A topic that asks for nothing takes anything.
    expect(() => checkStamp(signing, undefined, 0)).not.toThrow()
  })

  it('finds the first nonce that meets the target, over messages of every length (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 8 }), fc.nat(1_000_000), (signing, bits, start) => {
        const tried = new NonceSearch(signing, bits).run(start, 1 << 16)
        expect(tried).toBeGreaterThanOrEqual(0) // 2^16 tries at 8 bits: failure odds below 2^-300
        const found = nonceBytes(start + tried)
        expect(stampWork(signing, found)).toBe(referenceWork(signing, found))
        expect(stampWork(signing, found)).toBeGreaterThanOrEqual(bits)
        if (tried > 0) expect(referenceWork(signing, nonceBytes(start + tried - 1))).toBeLessThan(bits)
      }),
      { numRuns: 300 }
    )
  })

  it('verifies exactly when the hash has the bits, for any stamp and difficulty (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 0, maxLength: 12 }), fc.integer({ min: 0, max: 6 }), (signing, stamp, bits) => {
        const valid = bits === 0 || (stamp.length === 8 && referenceWork(signing, stamp) >= bits)
        if (valid) expect(() => checkStamp(signing, stamp, bits)).not.toThrow()
        else expect(() => checkStamp(signing, stamp, bits)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_WORK' }) as Error)
      }),
      { numRuns: 2_000 }
    )
  })

  it('reports progress, and on abort rejects with ABORTED and terminates its worker', async () => {
    const workers: NodeMintWorker[] = []
    const reports: MintProgress[] = []
    const controller = new AbortController()
    // 40 bits: never found in the few batches this test runs (odds about 2^-25).
    const minting = mintWith(
      () => {
        const worker = nodeMintWorker()
        workers.push(worker)
        return worker
      },
      envelope('too hard'),
      40,
      {
        signal: controller.signal,
        progressEvery: 4_096,
        onProgress: (progress) => {
          reports.push(progress)
          if (reports.length === 3) controller.abort()
        }
      }
    )
    await expect(minting).rejects.toMatchObject({ code: 'ABORTED' })
    expect(workers).toHaveLength(1)
    expect(await workers[0]!.exited).toBe(1) // the exit code of a terminated thread
    expect(reports.map((report) => report.hashes)).toEqual([4_096, 8_192, 12_288])
    for (const report of reports) {
      expect(report.expectedHashes).toBe(2 ** 40)
      expect(report.hashRate).toBeGreaterThan(0)
      expect(report.etaMs).toBeCloseTo((2 ** 40 * 1_000) / report.hashRate)
    }
  })

  it('rejects at once when already aborted, and refuses bad options', async () => {
    let spawned = 0
    const spawn = () => {
      spawned++
      return nodeMintWorker()
    }
    await expect(mintWith(spawn, envelope('x'), 12, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(mintWith(spawn, envelope('x'), 49)).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    await expect(mintWith(spawn, envelope('x'), 12, { workers: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    expect(spawned).toBe(0)
  })

  it('runs on any worker behind MintWorker (as a Web Worker would), and fails with WORKER_FAILED when one fails', async () => {
    // An in-process worker: the same loop every platform's worker runs, answering on the next turn.
    const inProcess = (fail: boolean): MintWorker => {
      let reply: (message: MintReply) => void = () => {}
      let error: (cause: unknown) => void = () => {}
      return {
        post: (job) => setTimeout(() => (fail ? error('no worker here') : runMintJob(job, reply))),
        onReply: (listener) => (reply = listener),
        onError: (listener) => (error = listener),
        terminate: () => {}
      }
    }
    const stamped = await mintWith(() => inProcess(false), envelope('in process'), 12, { inlineBelowBits: 0 })
    expect(verifyStamp(stamped, 12)).toBe(true)
    await expect(mintWith(() => inProcess(true), envelope('x'), 12, { inlineBelowBits: 0 })).rejects.toMatchObject({ code: 'WORKER_FAILED' })
    const unavailable = () => {
      throw new TypeError('Worker is not defined')
    }
    await expect(mintWith(unavailable, envelope('x'), 12, { inlineBelowBits: 0 })).rejects.toMatchObject({ code: 'WORKER_FAILED' })
  })
})
