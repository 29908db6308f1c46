// LinkTable's classification of a cut link: asymmetric only when the member is heard while our probes fail.
import { describe, expect, it } from 'vitest'
import { CUT_AFTER_FAILURES } from '../src/core/constants.js'
import { LinkTable } from '../src/core/links.js'

const thresholds = { degradedLoss: 0.1, degradedRtt: 150 }

/** A link probed fine 4 times (t = 0 … 3 000), then failing once a second from t = 10 000. */
function cutLink(heardAt: number): LinkTable {
  const links = new LinkTable()
  for (let t = 0; t < 4_000; t += 1_000) links.probed('b', 10, t)
  links.heard('b', heardAt)
  for (let i = 0; i < CUT_AFTER_FAILURES; i++) links.probed('b', undefined, 10_000 + 1_000 * i)
  return links
}

describe('LinkTable, a cut link', () => {
  it('is unreachable when the member was last heard before the probes began to fail (a message from before the cut)', () => {
    expect(cutLink(5_000).quality('b', thresholds).class).toBe('unreachable')
  })

  it('is asymmetric when the member is heard while the probes fail', () => {
    expect(cutLink(12_500).quality('b', thresholds).class).toBe('asymmetric')
  })
})
