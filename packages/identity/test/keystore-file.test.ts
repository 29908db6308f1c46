import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateIdentity, type ScryptParams } from '../src/index.js'
import { loadOrCreateKeystoreFile, readKeystoreFile, writeKeystoreFile } from '../src/node/index.js'
import { errorCode } from './helpers.js'

const scrypt: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
const dir = await mkdtemp(join(tmpdir(), 'dscs-keystore-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('keystore files', () => {
  it('writes a 0600 file that reads back', async () => {
    const path = join(dir, 'a', 'identity.json')
    const identity = generateIdentity()
    await writeKeystoreFile(path, identity, 'pw', { scrypt })
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readKeystoreFile(path, 'pw')).toEqual(identity)
  })

  it('never overwrites an existing keystore unless asked', async () => {
    const path = join(dir, 'b.json')
    await writeKeystoreFile(path, generateIdentity(), 'pw', { scrypt })
    const before = await readFile(path)
    expect(await errorCode(() => writeKeystoreFile(path, generateIdentity(), 'pw', { scrypt }))).toBe('KEYSTORE_EXISTS')
    expect(await readFile(path)).toEqual(before)
    const replacement = generateIdentity()
    await writeKeystoreFile(path, replacement, 'pw', { scrypt, overwrite: true })
    expect(await readKeystoreFile(path, 'pw')).toEqual(replacement)
  })

  it('a wrong passphrase or corrupt file is a clear error and leaves the file untouched', async () => {
    const path = join(dir, 'c.json')
    await writeKeystoreFile(path, generateIdentity(), 'pw', { scrypt })
    const before = await readFile(path)
    expect(await errorCode(() => readKeystoreFile(path, 'nope'))).toBe('KEYSTORE_BAD_PASSPHRASE')
    expect(await errorCode(() => loadOrCreateKeystoreFile(path, 'nope', { scrypt }))).toBe('KEYSTORE_BAD_PASSPHRASE')
    expect(await readFile(path)).toEqual(before)

    const corrupt = join(dir, 'd.json')
    await writeFile(corrupt, before.subarray(0, 50))
    expect(await errorCode(() => loadOrCreateKeystoreFile(corrupt, 'pw', { scrypt }))).toBe('KEYSTORE_CORRUPT')
    expect(await readFile(corrupt)).toEqual(before.subarray(0, 50))
  })

  it('loadOrCreate creates an identity once and returns the same one after', async () => {
    const path = join(dir, 'e', 'identity.json')
    expect(await errorCode(() => readKeystoreFile(path, 'pw'))).toBe('KEYSTORE_NOT_FOUND')
    const created = await loadOrCreateKeystoreFile(path, 'pw', { scrypt })
    expect(await loadOrCreateKeystoreFile(path, 'pw', { scrypt })).toEqual(created)
  })
})
