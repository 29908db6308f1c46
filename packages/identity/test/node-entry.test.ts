import { describe, expect, it } from 'vitest'

describe('package entries', () => {
  it('Node resolves @dscs/identity to the node:crypto backend; the portable entry stays on noble', async () => {
    const node = await import('@dscs/identity')
    expect(node.ed25519Backend().name).toBe('node:crypto')
    expect(typeof (node as Record<string, unknown>).writeKeystoreFile).toBe('function')
    const portable = await import('../src/ed25519.js')
    expect(portable.nobleEd25519.name).toBe('noble')
  })
})
