import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDscsError } from '@dscs/interface'
import { applyMove, moveCodec } from '../src/board.js'

describe('the board', () => {
  it('moves a piece only to a free cell; the first move places it', () => {
    let board = applyMove({}, 'a', { x: 1, y: 1 })
    board = applyMove(board, 'b', { x: 1, y: 1 })
    expect(board).toEqual({ a: { x: 1, y: 1 } })
    board = applyMove(board, 'b', { x: 2, y: 2 })
    board = applyMove(board, 'a', { x: 2, y: 2 })
    expect(board).toEqual({ a: { x: 1, y: 1 }, b: { x: 2, y: 2 } })
    expect(applyMove(board, 'a', { x: 1, y: 1 })).toBe(board)
  })

  it('decodes exactly { x, y } on the board and refuses any other payload with BAD_PAYLOAD', () => {
    expect(moveCodec.decode(moveCodec.encode({ x: 7, y: 0 }))).toEqual({ x: 7, y: 0 })
    for (const bad of ['{"x":8,"y":0}', '{"x":1.5,"y":0}', '{"x":1,"y":1,"z":0}', '[1,1]', 'null']) {
      expect(() => moveCodec.decode(new TextEncoder().encode(bad))).toThrow(expect.objectContaining({ code: 'BAD_PAYLOAD' }))
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const move = moveCodec.decode(bytes)
          return Number.isSafeInteger(move.x) && Number.isSafeInteger(move.y)
        } catch (err) {
          return isDscsError(err, 'BAD_PAYLOAD')
        }
      })
    )
  })
})
