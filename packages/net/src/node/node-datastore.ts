import { LevelDatastore } from 'datastore-level'

/**
 * libp2p's LevelDB datastore under a node's data directory, closed after libp2p when the node stops. A peer-store
 * write can still land after that (an identify answer racing the shutdown): it is dropped rather than failing as an
 * unhandled rejection, since the node it describes is gone.
 */
export class NodeDatastore extends LevelDatastore {
  #closed = false

  override async put(...args: Parameters<LevelDatastore['put']>): ReturnType<LevelDatastore['put']> {
    return this.#closed ? args[0] : super.put(...args)
  }

  override async delete(...args: Parameters<LevelDatastore['delete']>): ReturnType<LevelDatastore['delete']> {
    if (!this.#closed) await super.delete(...args)
  }

  override async close(): Promise<void> {
    this.#closed = true
    await super.close()
  }
}
