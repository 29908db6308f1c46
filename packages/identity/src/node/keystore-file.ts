import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { IdentityError } from '../errors.js'
import { generateIdentity, type Identity } from '../keys.js'
import { MAX_KEYSTORE_BYTES, decryptKeystore, encryptKeystore, type KeystoreOptions } from '../keystore.js'

export interface WriteKeystoreOptions extends KeystoreOptions {
  /** Replace an existing file. Default false: an existing keystore is never overwritten. */
  readonly overwrite?: boolean
}

/**
 * Writes `identity` encrypted under `passphrase` to `path` (mode 0600). The
 * file appears whole or not at all: written to a temporary file, synced, then
 * renamed into place. Refuses to replace an existing file unless asked.
 */
export async function writeKeystoreFile(path: string, identity: Identity, passphrase: string, options: WriteKeystoreOptions = {}): Promise<void> {
  const bytes = await encryptKeystore(identity, passphrase, options)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.keystore.tmp`)
  const file = await open(temporary, 'wx', 0o600)
  try {
    await file.writeFile(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
  try {
    if (options.overwrite === true) await rename(temporary, path)
    // link() fails if the path exists, atomically: no window in which another writer's file is replaced.
    else await link(temporary, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new IdentityError('KEYSTORE_EXISTS', `${path} already exists; refusing to overwrite a keystore`)
    }
    throw err
  } finally {
    await rm(temporary, { force: true })
  }
}

/** Reads and decrypts the keystore at `path`. Never writes to it, whatever goes wrong. */
export async function readKeystoreFile(path: string, passphrase: string, options: Omit<KeystoreOptions, 'scrypt'> = {}): Promise<Identity> {
  let size: number
  try {
    size = (await stat(path)).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new IdentityError('KEYSTORE_NOT_FOUND', `no keystore at ${path}`)
    throw err
  }
  if (size > MAX_KEYSTORE_BYTES) throw new IdentityError('KEYSTORE_CORRUPT', `${path} is ${size} bytes, too large for a keystore`)
  return decryptKeystore(new Uint8Array(await readFile(path)), passphrase, options)
}

/** Reads the keystore at `path`, or creates one with a fresh identity if there is none. */
export async function loadOrCreateKeystoreFile(path: string, passphrase: string, options: KeystoreOptions = {}): Promise<Identity> {
  try {
    return await readKeystoreFile(path, passphrase, options)
  } catch (err) {
    if (!(err instanceof IdentityError && err.code === 'KEYSTORE_NOT_FOUND')) throw err
  }
  const identity = generateIdentity()
  await writeKeystoreFile(path, identity, passphrase, options)
  return identity
}
