import { open } from 'node:fs/promises'
import { isDscsError } from '@dscs/interface'
import { ChunkError } from '../core/errors.js'

/** Runs a file operation; any failure but a DscsError becomes `STORE_IO`, naming `what`. */
export async function io<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (err) {
    if (isDscsError(err)) throw err
    throw new ChunkError('STORE_IO', `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

/** Makes the entries of directory `path` (creations, renames) durable. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
