#!/usr/bin/env node
// dscs-playground: a relay node and the playground page, on this machine; prints the URL to open (twice, to play).
//   --loopback          the URL makes pages use WebRTC over 127.0.0.1 only (how the tests run)
//   --forward-room <r>  the node also forwards room r's moves itself (browsers connected only to it still play)
//   --json              one JSON line { relay, url } instead of sentences (for tests and benchmarks)
import { parseArgs } from 'node:util'
import { startPlayground } from './playground.js'

const { values } = parseArgs({
  options: { loopback: { type: 'boolean', default: false }, 'forward-room': { type: 'string', multiple: true, default: [] }, json: { type: 'boolean', default: false } }
})
const playground = await startPlayground({ forwardRooms: values['forward-room'] })
const url = playground.pageUrl({ loopback: values.loopback })
if (values.json) console.log(JSON.stringify({ relay: playground.relay.address, url }))
else {
  console.log(`relay node ${playground.relay.node.peerId} at ${playground.relay.address}`)
  console.log(`open ${url} in a browser, then the invite link it shows in a second window`)
}
const stop = (): void => void playground.stop().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
