import type { TransferProgress } from '@dscs/chunk-distribution'
import { describe, expect, it } from 'vitest'
import { createOutput } from '../src/output.js'
import { formatBytes, formatDuration, formatProgress } from '../src/progress-bar.js'
import { ProgressReport, type ProgressStyle } from '../src/progress-report.js'

const MiB = 1024 * 1024
const progress = (fields: Partial<TransferProgress> = {}): TransferProgress => ({ percent: 42, bytes: 1.26 * MiB, size: 3 * MiB, rate: 512 * 1024, peers: 2, eta: 3.4, ...fields })

describe('progress formatting', () => {
  it('bytes in binary units', () => {
    expect([0, 1023, 1024, 1536, 3 * MiB, 5 * 1024 * MiB].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '3.0 MiB', '5.0 GiB'])
  })

  it('durations rounded up, in the largest units that matter; unknown as --', () => {
    expect([0.2, 59, 60, 125, 3600 + 4 * 60 + 59, undefined, Infinity].map(formatDuration)).toEqual(['1s', '59s', '1m00s', '2m05s', '1h04m', '--', '--'])
  })

  it('one line: percent, bar, bytes, rate, peers, ETA', () => {
    expect(formatProgress(progress())).toBe(' 42.0% [##########--------------] 1.3 MiB / 3.0 MiB  512.0 KiB/s  2 peers  ETA 4s')
    expect(formatProgress(progress({ percent: 100, bytes: 3 * MiB, peers: 1, eta: 0 }), 10)).toBe('100.0% [##########] 3.0 MiB / 3.0 MiB  512.0 KiB/s  1 peer  ETA 0s')
    expect(formatProgress(progress({ percent: 0, bytes: 0, size: undefined, rate: 0, peers: 0, eta: undefined }), 0)).toBe('  0.0% 0 B / ?  0 B/s  0 peers  ETA --')
  })
})

describe('progress report', () => {
  function reporter(style: ProgressStyle): { report: ProgressReport; written: string[]; events: string[]; at: (ms: number) => void } {
    let now = 0
    const written: string[] = []
    const events: string[] = []
    const report = new ProgressReport({ style, write: (text) => written.push(text), out: createOutput(true, (line) => events.push(line)), now: () => now })
    return { report, written, events, at: (ms) => (now = ms) }
  }

  it('a terminal gets one line redrawn in place, at most every 100 ms, the last report always, then a newline', () => {
    const { report, written, at } = reporter('bar')
    report.update(progress({ percent: 10 }))
    at(50)
    report.update(progress({ percent: 20 })) // too soon
    at(100)
    report.update(progress({ percent: 30 }))
    at(110)
    report.update(progress({ percent: 100 })) // the last: shown at once
    report.finish()
    report.finish() // once only
    expect(written.map((text) => text.slice(0, 7))).toEqual(['\r 10.0%', '\r 30.0%', '\r100.0%', '\n'])
    expect(written[0]!.endsWith('\x1b[K')).toBe(true) // clears what a longer line left
  })

  it('a log gets a plain line a second at most; a program JSON events', () => {
    const lines = reporter('lines')
    lines.report.update(progress({ percent: 10 }))
    lines.at(999)
    lines.report.update(progress({ percent: 20 }))
    lines.at(1000)
    lines.report.update(progress({ percent: 30 }))
    lines.report.finish()
    expect(lines.written).toEqual([`${formatProgress(progress({ percent: 10 }), 0)}\n`, `${formatProgress(progress({ percent: 30 }), 0)}\n`])

    const json = reporter('json')
    json.report.update(progress())
    json.report.finish()
    expect(json.written).toEqual([])
    expect(json.events.map((line) => JSON.parse(line) as unknown)).toEqual([{ event: 'progress', ...progress() }])
  })
})
