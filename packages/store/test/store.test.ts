import fc from 'fast-check'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareBytes, type RangeOptions, type Store } from '@dscs/interface'
import { afterAll, describe, expect, it } from 'vitest'
import { LevelStore, MemoryStore, StoreError } from '../src/index.js'

const dir = await mkdtemp(join(tmpdir(), 'dscs-store-'))
afterAll(() => rm(dir, { recursive: true, force: true }))
let opened = 0

const stores: [string, () => Promise<Store>][] = [
  ['MemoryStore', () => Promise.resolve(new MemoryStore())],
  ['LevelStore', () => LevelStore.open(join(dir, `db${opened++}`))]
]

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const arbKey = fc.uint8Array({ minLength: 0, maxLength: 4 })
const arbOp = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key: arbKey, value: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ type: fc.constant('delete' as const), key: arbKey })
)
const arbRange: fc.Arbitrary<RangeOptions> = fc.record(
  { gt: arbKey, gte: arbKey, lt: arbKey, lte: arbKey, reverse: fc.boolean(), limit: fc.nat(10) },
  { requiredKeys: [] }
).filter((r) => !(r.gt !== undefined && r.gte !== undefined) && !(r.lt !== undefined && r.lte !== undefined))

async function collect(store: Store, options: RangeOptions): Promise<string[]> {
  const out: string[] = []
  for await (const [k, v] of store.range(options)) out.push(`${hex(k)}=${hex(v)}`)
  return out
}

/** What a range should return, from a plain map of the same writes. */
function modelRange(model: Map<string, Uint8Array>, options: RangeOptions): string[] {
  const inside = (key: Uint8Array): boolean =>
    (options.gt === undefined || compareBytes(key, options.gt) > 0) &&
    (options.gte === undefined || compareBytes(key, options.gte) >= 0) &&
    (options.lt === undefined || compareBytes(key, options.lt) < 0) &&
    (options.lte === undefined || compareBytes(key, options.lte) <= 0)
  const keys = [...model.keys()].map((k) => Buffer.from(k, 'hex')).filter(inside).sort(compareBytes)
  if (options.reverse === true) keys.reverse()
  return keys.slice(0, options.limit ?? Infinity).map((k) => `${hex(k)}=${hex(model.get(hex(k))!)}`)
}

describe.each(stores)('%s', (_name, open) => {
  it('behaves like an ordered map under any batches, with any range bounds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(arbOp, { minLength: 1, maxLength: 5 }), { maxLength: 6 }), fc.array(arbRange, { maxLength: 4 }), async (batches, ranges) => {
        const store = await open()
        const model = new Map<string, Uint8Array>()
        for (const batch of batches) {
          await store.batch(batch)
          for (const op of batch) {
            if (op.type === 'put') model.set(hex(op.key), op.value)
            else model.delete(hex(op.key))
          }
        }
        for (const [k, v] of model) expect(hex((await store.get(Buffer.from(k, 'hex')))!)).toBe(hex(v))
        for (const range of ranges) expect(await collect(store, range)).toEqual(modelRange(model, range))
        await store.close()
      }),
      { numRuns: 60 }
    )
  })

  it('put, get, delete and copies that do not alias', async () => {
    const store = await open()
    const value = new Uint8Array([1, 2, 3])
    await store.put(new Uint8Array([9]), value)
    value[0] = 7
    const read = await store.get(new Uint8Array([9]))
    expect(read).toEqual(new Uint8Array([1, 2, 3]))
    await store.delete(new Uint8Array([9]))
    expect(await store.get(new Uint8Array([9]))).toBeUndefined()
    await store.close()
    await expect(store.get(new Uint8Array([9]))).rejects.toBeInstanceOf(StoreError)
  })
})

describe('LevelStore on disk', () => {
  it('keeps data across close and reopen', async () => {
    const location = join(dir, 'persist')
    const first = await LevelStore.open(location)
    await first.put(new Uint8Array([1]), new Uint8Array([42]))
    await first.close()
    const second = await LevelStore.open(location)
    expect(await second.get(new Uint8Array([1]))).toEqual(new Uint8Array([42]))
    await second.close()
  })

  it('refuses a second opener of a locked database with STORE_OPEN_FAILED', async () => {
    const location = join(dir, 'locked')
    const first = await LevelStore.open(location)
    await expect(LevelStore.open(location)).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED' })
    await first.close()
  })
})
