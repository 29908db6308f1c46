import { describe, expect, it } from 'vitest'
import { runDemo } from '../src/demo.js'

describe('dscs demo', () => {
  it('opens a genuine envelope, refuses a replay and a forgery, and round-trips a sealed box', () => {
    const lines: string[] = []
    const outcome = runDemo((line) => lines.push(line))
    expect(outcome).toMatchObject({ opened: true, replayRefused: 'REPLAYED', tamperRefused: 'BAD_SIGNATURE', sealedRoundTrip: true })
    expect(outcome.envelopeBytes).toBeGreaterThan(100)
    expect(lines.join('\n')).toMatch(/alice is 12D3KooW/)
    expect(lines.join('\n')).toContain('node:crypto')
  })
})
