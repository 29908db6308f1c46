/**
 * @packageDocumentation
 *
 * Helpers the tests of the protocol packages share (the scaffolder's template
 * uses them too), so each package does not carry its own copy.
 */
import { joinBytes, type CoreEffect } from '@dscs/interface'

/** The bytes of the one `send` effect in `effects`; throws on anything else. */
export function sentBytes(effects: readonly CoreEffect<unknown>[]): Uint8Array {
  const [effect, ...rest] = effects
  if (effect?.type !== 'send' || rest.length > 0) throw new Error(`expected one send effect, got ${JSON.stringify(effects)}`)
  return joinBytes(effect.bytes)
}

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs`, so a test never hangs. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
