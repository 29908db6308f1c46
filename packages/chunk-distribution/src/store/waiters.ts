import { ChunkError } from '../core/errors.js'

interface Waiter {
  readonly resolve: () => void
  readonly reject: (error: ChunkError) => void
}

/** Callers waiting for chunks to be held, by content key and index; only local readers add to it. */
export class ChunkWaiters {
  readonly #waiting = new Map<string, Map<number, Set<Waiter>>>()

  /** Resolves at the next {@link notify} of chunk `index` of `key` (or {@link notifyAll} of `key`). */
  wait(key: string, index: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(aborted(signal))
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(key, index, waiter)
        reject(aborted(signal!))
      }
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const ofContent = this.#waiting.get(key) ?? new Map<number, Set<Waiter>>()
      this.#waiting.set(key, ofContent)
      const ofChunk = ofContent.get(index) ?? new Set<Waiter>()
      ofContent.set(index, ofChunk)
      ofChunk.add(waiter)
    })
  }

  /** Wakes the waiters of chunk `index` of `key`. */
  notify(key: string, index: number): void {
    const ofContent = this.#waiting.get(key)
    const ofChunk = ofContent?.get(index)
    if (ofContent === undefined || ofChunk === undefined) return
    ofContent.delete(index)
    if (ofContent.size === 0) this.#waiting.delete(key)
    for (const waiter of ofChunk) waiter.resolve()
  }

  /** Wakes every waiter of `key`: the content became complete at once. */
  notifyAll(key: string): void {
    const ofContent = this.#waiting.get(key)
    this.#waiting.delete(key)
    for (const ofChunk of ofContent?.values() ?? []) for (const waiter of ofChunk) waiter.resolve()
  }

  /** Fails every waiter with `error`. */
  failAll(error: ChunkError): void {
    const all = [...this.#waiting.values()]
    this.#waiting.clear()
    for (const ofContent of all) for (const ofChunk of ofContent.values()) for (const waiter of ofChunk) waiter.reject(error)
  }

  #remove(key: string, index: number, waiter: Waiter): void {
    const ofContent = this.#waiting.get(key)
    const ofChunk = ofContent?.get(index)
    if (ofContent === undefined || ofChunk === undefined) return
    ofChunk.delete(waiter)
    if (ofChunk.size === 0) ofContent.delete(index)
    if (ofContent.size === 0) this.#waiting.delete(key)
  }
}

function aborted(signal: AbortSignal): ChunkError {
  return new ChunkError('ABORTED', 'the wait was aborted', { cause: signal.reason })
}
