import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BenchSuite } from '../src/index.js'

describe('BenchSuite', () => {
  it('measures candidates, compares them and writes a JSON report', async () => {
    const suite = new BenchSuite('@dscs/bench', 'selftest')
    let fast = 0
    let slow = 0
    suite.add('fast', () => fast++)
    suite.add('slow', () => {
      for (let i = 0; i < 2000; i++) slow += i
    })
    const results = await suite.run({ rounds: 3, roundMs: 20 })
    expect(results.map((r) => r.name)).toEqual(['fast', 'slow'])
    expect(results.every((r) => r.rounds.length === 3 && r.opsPerSecond > 0)).toBe(true)
    expect(fast).toBeGreaterThan(0)
    expect(slow).toBeGreaterThan(0)
    // The structural claim, not a timing: a ratio is reported against its target, met or not.
    const ratio = suite.compare('fast vs slow', 'fast', 'slow', { atLeast: 1 })
    const perRound = results[0]!.rounds.map((ops, i) => ops / results[1]!.rounds[i]!).sort((x, y) => x - y)
    expect(ratio.ratio).toBe(perRound[1])
    expect(ratio.met).toBe(ratio.ratio >= 1)
    expect(() => suite.compare('x', 'fast', 'missing', { atLeast: 1 })).toThrow(/no benchmark named missing/)

    const asyncSuite = new BenchSuite('@dscs/bench', 'async')
    let inFlight = 0
    let maxInFlight = 0
    asyncSuite.addAsync('timer', async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      await new Promise((resolve) => setImmediate(resolve))
      inFlight--
    }, { concurrency: 4 })
    const [timer] = await asyncSuite.run({ rounds: 2, roundMs: 20 })
    expect(timer!.opsPerSecond).toBeGreaterThan(0)
    expect(maxInFlight).toBe(4)

    const dir = await mkdtemp(join(tmpdir(), 'dscs-bench-'))
    try {
      await suite.save(pathToFileURL(`${dir}/`))
      const report = JSON.parse(await readFile(join(dir, 'selftest.json'), 'utf8')) as { results: unknown[]; ratios: unknown[]; machine: { node: string } }
      expect(report.results).toHaveLength(2)
      expect(report.ratios).toHaveLength(1)
      expect(report.machine.node).toBe(process.version)
    } finally {
      await rm(dir, { recursive: true })
    }
  })
})
