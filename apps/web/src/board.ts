import { StateGraph, jsonCodec, type Op, type OpCodec, type Reducer } from '@dscs/frp-state'
import { bytesToHex } from '@noble/hashes/utils.js'

/** Cells per side of the square board. */
export const BOARD_SIZE = 8

/** A move: the author's piece goes to cell (x, y); a player's first move places the piece. */
export interface Move {
  readonly x: number
  readonly y: number
}

export interface Cell {
  readonly x: number
  readonly y: number
}

/** Where each player's piece stands, by the player's public key in hex. */
export type Board = Readonly<Record<string, Cell>>

const isCoordinate = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < BOARD_SIZE

/** Exactly `{ x, y }` on the board: anything else in a payload is refused. */
export function isMove(value: unknown): value is Move {
  if (typeof value !== 'object' || value === null) return false
  const keys = Object.keys(value)
  return keys.length === 2 && isCoordinate((value as Move).x) && isCoordinate((value as Move).y)
}

export const moveCodec: OpCodec<Move> = jsonCodec(isMove)

/**
 * The rule every peer replays in the one HLC order: a piece moves only to a
 * free cell (or stays on its own). Two players racing for a cell: the move
 * ordered first wins, the other bounces — which is what a peer that
 * predicted the other outcome sees corrected.
 */
export function applyMove(board: Board, author: string, move: Move): Board {
  const taken = Object.entries(board).some(([player, cell]) => player !== author && cell.x === move.x && cell.y === move.y)
  if (taken) return board
  const here = board[author]
  if (here?.x === move.x && here.y === move.y) return board
  return { ...board, [author]: { x: move.x, y: move.y } }
}

export function sameBoard(a: Board, b: Board): boolean {
  const players = Object.keys(a)
  return players.length === Object.keys(b).length && players.every((p) => b[p]?.x === a[p]!.x && b[p]?.y === a[p]!.y)
}

/** The playground's state: the board, and how many moves each player made (bounced ones included). */
export interface BoardState {
  readonly graph: StateGraph<Move>
  readonly board: Reducer<Move, Board>
  readonly moves: Reducer<Move, number>
}

/** The key of the one board value. */
export const BOARD_KEY = 'board'

export function boardState(): BoardState {
  const graph = new StateGraph<Move>()
  const author = (op: Op<Move>): string => bytesToHex(op.author)
  const board = graph.reducer<Board>({
    name: 'board',
    key: () => BOARD_KEY,
    reduce: (previous, op) => applyMove(previous, author(op), op.payload),
    initial: {},
    equals: sameBoard
  })
  const moves = graph.reducer<number>({ name: 'moves', key: author, reduce: (n) => n + 1, initial: 0 })
  return { graph, board, moves }
}
