// ySource: a Y type as an ExternalSource of the graph, reporting once per transaction.
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ySource } from '../src/yjs/index.js'

describe('ySource', () => {
  it('reads as the type itself', () => {
    const doc = new Y.Doc()
    const text = doc.getText('title')
    expect(ySource(text).read()).toBe(text)
  })

  it('reports once per transaction, however many changes it holds, nested ones included', () => {
    const doc = new Y.Doc()
    const map = doc.getMap<Y.Array<string>>('lists')
    const source = ySource(map)
    let changes = 0
    source.subscribe(() => changes++)

    doc.transact(() => {
      map.set('todo', new Y.Array<string>())
      map.set('done', new Y.Array<string>())
    })
    expect(changes).toBe(1)
    map.get('todo')!.push(['milk', 'bread']) // a change deep inside the map
    expect(changes).toBe(2)
    doc.getText('elsewhere').insert(0, 'x') // another type of the doc: not this source
    expect(changes).toBe(2)
  })

  it('reports changes applied from a remote update, and stops when unsubscribed', () => {
    const doc = new Y.Doc()
    const remote = new Y.Doc()
    const source = ySource(doc.getArray<number>('numbers'))
    let changes = 0
    const unsubscribe = source.subscribe(() => changes++)

    remote.getArray<number>('numbers').push([1, 2, 3])
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote))
    expect(changes).toBe(1)
    expect(source.read().toArray()).toEqual([1, 2, 3])

    unsubscribe()
    doc.getArray<number>('numbers').push([4])
    expect(changes).toBe(1)
  })
})
