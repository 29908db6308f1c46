#!/usr/bin/env node
// dscs-playground: a relay node and the playground page, on this machine; prints the URL to open (twice, to play).
//   --loopback          the URL makes pages use WebRTC over 127.0.0.1 only (how the tests run)
//   --forward-room <r>  the node also forwards room r's moves itself (browsers connected only to it still play)
//   --relays <n>        start n relay nodes (default 1): the page measures them and reserves at the best
//   --json              one JSON line { relays, url } instead of sentences (for tests and benchmarks)
import { parseArgs } from 'node:util'
import { WebError } from '../errors.js'
import { startPlayground } from './playground.js'

const { values } = parseArgs({
  options: { loopback: { type: 'boolean', default: false }, 'forward-room': { type: 'string', multiple: true, default: [] }, json: { type: 'boolean', default: false }, relays: { type: 'string', default: '1' } }
})
const relays = Number(values.relays)
if (!Number.isInteger(relays) || relays < 1 || relays > 16) throw new WebError('INVALID_OPTION', `--relays takes a whole number from 1 to 16, got ${values.relays}`)
const playground = await startPlayground({ forwardRooms: values['forward-room'], relays })
const url = playground.pageUrl({ loopback: values.loopback })
if (values.json) console.log(JSON.stringify({ relays: playground.relays.map((r) => r.address), url }))
else {
  for (const relay of playground.relays) console.log(`relay node ${relay.node.peerId} at ${relay.address}`)
  console.log(`open ${url} in a browser, then the invite link it shows in a second window`)
}
const stop = (): void => void playground.stop().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
