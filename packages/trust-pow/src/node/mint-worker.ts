// The worker thread that mints in Node. From dist/ it imports the compiled loop; from src/ (vitest, type-stripping
// Node) it imports the TypeScript file itself, since Node does not map a `.js` specifier to its `.ts` source.
import { parentPort } from 'node:worker_threads'
import type * as Search from '../stamps/search.js'

const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
const { runMintJob } = (await import(new URL(`../stamps/search.${extension}`, import.meta.url).href)) as typeof Search

parentPort?.on('message', (job: Search.MintJob) => runMintJob(job, (reply: Search.MintReply) => parentPort?.postMessage(reply)))
