import { afterEach, describe, expect, it } from 'vitest'
import { encodeHeader, headerHash, meetsTarget } from '../../src/chain/header.js'
import { sliceMiner, type Miner } from '../../src/chain/miner.js'
import { workerMiner } from '../../src/node/chain-miner.js'
import { testChain, T0 } from './helpers.js'

const EASY = (1n << 244n) - 1n // about 4 096 tries
const IMPOSSIBLE = 1n // never met in this test

describe.each([
  ['worker thread', () => workerMiner()],
  ['main-thread slices', () => sliceMiner()]
])('a miner on a %s', (_, create: () => Miner) => {
  let miner: Miner
  afterEach(() => miner.close?.())

  it('finds a nonce that meets the target, reports its hash rate, and stops when aborted', async () => {
    miner = create()
    const header = { ...testChain().template(T0 + 1_000).header, target: EASY }
    const nonce = await miner.search(encodeHeader(header), EASY, new AbortController().signal)
    expect(nonce).toBeDefined()
    expect(meetsTarget(headerHash(encodeHeader({ ...header, nonce: nonce! })), EASY)).toBe(true)

    const abort = new AbortController()
    const hopeless = miner.search(encodeHeader(header), IMPOSSIBLE, abort.signal)
    setTimeout(() => abort.abort(), 50)
    expect(await hopeless).toBeUndefined()
    expect(miner.hashRate).toBeGreaterThanOrEqual(0)
  })
})
