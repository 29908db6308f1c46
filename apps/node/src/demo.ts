import { isDscsError } from '@dscs/interface'
import {
  ReplayGuard,
  VerificationCache,
  ed25519Backend,
  generateIdentity,
  openEnvelope,
  openSealed,
  peerIdFromIdentity,
  seal,
  signEnvelope
} from '@dscs/identity'
import { createEnvelope, decodeEnvelope, encodeEnvelope } from '@dscs/wire'

/** What the demo established, for the caller (and the tests) to check. */
export interface DemoOutcome {
  readonly envelopeBytes: number
  readonly opened: boolean
  readonly replayRefused: string
  readonly tamperRefused: string
  readonly sealedRoundTrip: boolean
}

/**
 * The foundation in one pass: two identities, a signed envelope on the wire,
 * opened with the replay guard; a replay and a forgery refused; a message
 * sealed end to end. Prints each step through `log`.
 */
export function runDemo(log: (line: string) => void): DemoOutcome {
  const alice = generateIdentity()
  const bob = generateIdentity()
  log(`alice is ${peerIdFromIdentity(alice).toString()}`)
  log(`bob   is ${peerIdFromIdentity(bob).toString()}`)
  log(`signatures run on ${ed25519Backend().name}`)

  const now = Date.now()
  const envelope = signEnvelope(
    alice,
    createEnvelope({ kind: 'demo.Greeting', payload: new TextEncoder().encode('hello, bob'), author: alice.publicKey, timestamp: now })
  )
  const bytes = encodeEnvelope(envelope)
  log(`alice signs and encodes a demo.Greeting envelope: ${bytes.length} bytes`)

  const replay = new ReplayGuard({ windowMs: 30_000 })
  const cache = new VerificationCache()
  const opened = openEnvelope(bytes, { replay, cache, now })
  log(`bob decodes it, checks the replay window and the signature: "${new TextDecoder().decode(opened.envelope.payload)}" (id ${opened.id.slice(0, 16)}…)`)

  const replayRefused = refusal(() => openEnvelope(bytes, { replay, cache, now: now + 1000 }))
  log(`the same bytes again are refused: ${replayRefused}`)

  const tampered = encodeEnvelope({ ...decodeEnvelope(bytes), payload: new TextEncoder().encode('send me 100 coins') })
  const tamperRefused = refusal(() => openEnvelope(tampered, { replay, cache, now }))
  log(`an altered payload is refused: ${tamperRefused}`)

  const secret = new TextEncoder().encode('for bob only')
  const box = seal(bob.publicKey, secret)
  const unsealed = openSealed(bob, box)
  const sealedRoundTrip = new TextDecoder().decode(unsealed) === 'for bob only'
  log(`alice seals a note to bob's key (${box.length} bytes); bob opens it: "${new TextDecoder().decode(unsealed)}"`)

  return { envelopeBytes: bytes.length, opened: true, replayRefused, tamperRefused, sealedRoundTrip }
}

/** The DscsError code `fn` is refused with. */
function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (isDscsError(err)) return err.code
    throw err
  }
  return 'accepted'
}
