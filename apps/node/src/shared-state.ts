import { StateGraph, frpState, jsonCodec, ySource, type Change, type Computed, type FrpState, type Reducer } from '@dscs/frp-state'
import type { DscsNode } from '@dscs/net'
import * as Y from 'yjs'
import type { MetricSample } from './api/metrics.js'
import { NodeTrust, type DomainTrust } from './trust-modes.js'

/** What nodes share in the demo domain: named counters, and a note where the latest write wins. */
export type SharedOp = { readonly type: 'add'; readonly counter: string; readonly by: number } | { readonly type: 'note'; readonly text: string }

/** The domain of `dscs node --state` and the demo, when no config names others. */
export const SHARED_DOMAIN = 'demo'

const isSharedOp = (value: unknown): value is SharedOp => {
  const op = value as SharedOp | null
  if (typeof op !== 'object' || op === null) return false
  if (op.type === 'add') return typeof op.counter === 'string' && op.counter.length <= 64 && Number.isSafeInteger(op.by)
  return op.type === 'note' && typeof op.text === 'string' && op.text.length <= 1000
}

/** The demo's state in one domain: its graph, trust policy and the libp2p service factory that runs it. */
export interface SharedState {
  readonly domain: string
  readonly graph: StateGraph<SharedOp>
  readonly counters: Reducer<SharedOp, number>
  readonly note: Reducer<SharedOp, string>
  /** A shared text (a Y.Text in the domain's Y.Doc): edits made apart merge. */
  readonly text: Y.Text
  /** Its number of lines, computed from the text as a source of the graph. */
  readonly lines: Computed<SharedOp, number>
  /** The domain's trust mode: what confirms an op (pending ops show in the predicted view only). */
  readonly trust: DomainTrust
  readonly service: (components: object) => FrpState<SharedOp>
  /** Batches of changes heard since the start, and how many of them rewrote the past. */
  readonly activity: { readonly changes: number; readonly corrections: number }
}

/** The demo's shared state in `domain` under `trust` (default "signatures only": ops of allowed authors are confirmed). */
export function sharedState(domain = SHARED_DOMAIN, trust: DomainTrust = new NodeTrust().domain(domain, 'signatures')): SharedState {
  const graph = new StateGraph<SharedOp>()
  const counters = graph.reducer<number>({
    name: 'counters',
    key: (op) => (op.payload.type === 'add' ? op.payload.counter : undefined),
    reduce: (n, op) => n + (op.payload.type === 'add' ? op.payload.by : 0),
    initial: 0
  })
  // Last writer wins, in the canonical order: a late note older than the current one changes nothing.
  const note = graph.reducer<string>({
    name: 'note',
    key: (op) => (op.payload.type === 'note' ? 'note' : undefined),
    reduce: (text, op) => (op.payload.type === 'note' ? op.payload.text : text),
    initial: ''
  })
  const doc = new Y.Doc()
  const text = doc.getText('notes')
  const notes = graph.source('notes', ySource(text))
  const lines = graph.computed('lines', (read) => read.read(notes).toJSON().split('\n').filter((line) => line !== '').length)
  const service = frpState({ graph, codec: jsonCodec(isSharedOp), trust: trust.policy, domain, syncInterval: 1_000, docs: { notes: doc } })
  const activity = { changes: 0, corrections: 0 }
  graph.subscribe(({ correction }) => {
    activity.changes++
    if (correction) activity.corrections++
  })
  return { domain, graph, counters, note, text, lines, trust, service, activity }
}

/** Every value of both views, for printing. */
export function snapshot(state: SharedState): Record<'predicted' | 'confirmed', { counters: Record<string, number>; note: string }> & { text: string } {
  const view = (v: 'predicted' | 'confirmed') => ({
    counters: Object.fromEntries(state.graph.entries(v, state.counters).sort(([a], [b]) => a.localeCompare(b))),
    note: state.graph.get(v, state.note, 'note')
  })
  return { predicted: view('predicted'), confirmed: view('confirmed'), text: state.text.toJSON() }
}

/** One line about a change, e.g. `predicted counters[apples]: 4 → 14 (late op: the past was rewritten)`. */
export function describeChange(change: Change): string {
  const where = `${change.view} ${change.name}${change.key === undefined || change.name === 'note' ? '' : `[${change.key}]`}`
  return `${where}: ${JSON.stringify(change.previous)} → ${JSON.stringify(change.value)}${change.correction ? ' (late op: the past was rewritten)' : ''}`
}

/** A value's name in the API's state view: `counters.<name>`, `note` or `lines`. */
const valueName = (reducer: string, key?: string): string => (reducer === 'counters' ? `counters.${key}` : reducer)

/** A batch of changes in `domain` as edits of the API's state view, so a live client can follow without asking for the whole view. */
export function viewUpdates(domain: string, changes: readonly Change[]): { domain: string; view: 'predicted' | 'confirmed'; value: string; to: unknown }[] {
  return changes
    .filter((change) => change.name === 'counters' || change.name === 'note' || change.name === 'lines')
    .map((change) => ({ domain, view: change.view, value: valueName(change.name, change.key), to: change.value }))
}

/** The API's views of the shared state: each domain, predicted and confirmed value by value, and its trust. */
export function sharedViews(states: readonly SharedState[], node: DscsNode): Record<'state' | 'trust', () => unknown> {
  const values = (view: { counters: Record<string, number>; note: string }, lines: number) => ({
    ...Object.fromEntries(Object.entries(view.counters).map(([name, n]) => [valueName('counters', name), n])),
    note: view.note,
    lines
  })
  return {
    state: () => ({
      domains: states.map((state) => {
        const { predicted, confirmed } = snapshot(state)
        return { name: state.domain, predicted: values(predicted, state.graph.get('predicted', state.lines)), confirmed: values(confirmed, state.graph.get('confirmed', state.lines)) }
      })
    }),
    trust: () => ({ domains: states.map((state) => ({ name: state.domain, mode: state.trust.mode, ...state.trust.describe(node) })) })
  }
}

/** Each domain's Prometheus samples: batches of changes and corrections since the start. */
export function stateMetrics(states: readonly SharedState[]): MetricSample[] {
  return states.flatMap(({ domain, activity }) => [
    { name: 'dscs_state_changes_total', help: 'Batches of state changes in the domain since the start', type: 'counter' as const, value: activity.changes, labels: { domain } },
    { name: 'dscs_state_corrections_total', help: 'Batches of state changes that rewrote the past (a late or nullified op)', type: 'counter' as const, value: activity.corrections, labels: { domain } }
  ])
}
