// Envelope encode+decode: the DSCS codec against JSON with base64 bytes (the
// anchor, target ≥ 3×). Also measured, to justify the codec choices: the
// protobufjs static code generated from proto/envelope.proto and protobufjs
// reflection, both without DSCS's checks. Run: pnpm --filter @dscs/wire bench
import { BenchSuite } from '@dscs/bench'
import { decodeEnvelope, encodeEnvelope, type Envelope } from '@dscs/wire'
import protobuf from 'protobufjs'
import { dscs } from '../src/gen/envelope.js'
import { fileURLToPath } from 'node:url'

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

/** A typical state op: 256-byte payload, one parent. */
const envelope: Envelope = {
  version: 1,
  kind: 'dscs.frp.Op',
  payload: bytes(256, 7),
  author: bytes(32, 1),
  timestamp: Date.now(),
  seq: 12345,
  parents: [bytes(32, 2)],
  signature: bytes(64, 3)
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))

interface JsonEnvelope {
  version: number
  kind: string
  payload: string
  author: string
  timestamp: number
  seq: number
  parents: string[]
  signature: string
}

function jsonRoundTrip(env: Envelope): Envelope {
  const text = JSON.stringify({
    version: env.version,
    kind: env.kind,
    payload: b64(env.payload),
    author: b64(env.author),
    timestamp: env.timestamp,
    seq: env.seq,
    parents: env.parents.map(b64),
    signature: b64(env.signature)
  })
  const o = JSON.parse(text) as JsonEnvelope
  return {
    version: o.version,
    kind: o.kind,
    payload: unb64(o.payload),
    author: unb64(o.author),
    timestamp: o.timestamp,
    seq: o.seq,
    parents: o.parents.map(unb64),
    signature: unb64(o.signature)
  }
}

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/envelope.proto', import.meta.url)))
const Reflected = root.lookupType('dscs.wire.v1.Envelope')
const reflectedFields = { ...envelope, parents: [...envelope.parents] }

const suite = new BenchSuite('@dscs/wire', 'envelope')
suite.add('DSCS encodeEnvelope+decodeEnvelope (checked)', () => decodeEnvelope(encodeEnvelope(envelope)))
suite.add('JSON.stringify+parse, base64 bytes', () => jsonRoundTrip(envelope))
suite.add('protobufjs static codegen encode+decode (unchecked)', () =>
  dscs.wire.v1.Envelope.decode(dscs.wire.v1.Envelope.encode(reflectedFields).finish())
)
suite.add('protobufjs reflection encode+decode (unchecked)', () => Reflected.decode(Reflected.encode(reflectedFields).finish()))
await suite.run()
suite.compare('DSCS codec vs JSON', 'DSCS encodeEnvelope+decodeEnvelope (checked)', 'JSON.stringify+parse, base64 bytes', { atLeast: 3 })
suite.compare('DSCS codec vs protobufjs static', 'DSCS encodeEnvelope+decodeEnvelope (checked)', 'protobufjs static codegen encode+decode (unchecked)')
suite.compare('protobufjs static vs reflection', 'protobufjs static codegen encode+decode (unchecked)', 'protobufjs reflection encode+decode (unchecked)')
console.log(`  encoded size: protobuf ${encodeEnvelope(envelope).length} B, JSON ${JSON.stringify({ ...envelope, payload: b64(envelope.payload), author: b64(envelope.author), parents: envelope.parents.map(b64), signature: b64(envelope.signature) }).length} B`)
await suite.save(new URL('./results/', import.meta.url))
