import { MemoryChunkStore } from '../src/index.js'
import { chunkStoreContract } from './store-contract.js'

chunkStoreContract('MemoryChunkStore', async (options) => new MemoryChunkStore(options))
