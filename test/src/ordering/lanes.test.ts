import t from 'tap'
import fc from 'fast-check'
import { Lanes, type Ordering } from '../../../src/ordering/lanes.js'

interface Ev { partitionRef: string, key: string | null, bytes: number, offset: number }

/** Runs events through the lanes with a random interleaving of starts and finishes. */
function simulate (ordering: Ordering, events: Ev[], choices: number[]): { starts: Ev[], violations: string[] } {
  const lanes = new Lanes<Ev>(ordering)
  const running: Ev[] = []
  const starts: Ev[] = []
  const violations: string[] = []
  let next = 0
  let c = 0
  const pick = (): number => choices.length === 0 ? 0 : (choices[c++ % choices.length] as number)
  while (next < events.length || running.length > 0 || lanes.peekReady() !== undefined) {
    const action = pick() % 3
    if (action === 0 && next < events.length) {
      lanes.enqueue(events[next++] as Ev)
    } else if (action === 1 && lanes.peekReady() !== undefined) {
      const e = lanes.startNext() as Ev
      for (const r of running) {
        if (ordering === 'partition' && r.partitionRef === e.partitionRef) violations.push('two of a partition')
        if (ordering === 'key' && e.key !== null && r.partitionRef === e.partitionRef && r.key === e.key) violations.push('two of a key')
      }
      running.push(e)
      starts.push(e)
    } else if (running.length > 0) {
      const e = running.splice(pick() % running.length, 1)[0] as Ev
      lanes.finish(e)
    } else if (next < events.length) {
      lanes.enqueue(events[next++] as Ev)
    } else if (lanes.peekReady() !== undefined) {
      running.push(lanes.startNext() as Ev)
      starts.push(running[running.length - 1] as Ev)
    }
  }
  return { starts, violations }
}

const eventsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.option(fc.integer({ min: 0, max: 3 }))), { maxLength: 60 })
  .map(list => list.map(([p, k], i) => ({ partitionRef: `t:${p}#1`, key: k === null ? null : `k${k}`, bytes: 1, offset: i })))

for (const ordering of ['key', 'partition', 'unordered'] as const) {
  t.test(`${ordering}: every event starts exactly once, lane rules hold`, async t => {
    fc.assert(fc.property(eventsArb, fc.array(fc.nat(), { maxLength: 50 }), (events, choices) => {
      const { starts, violations } = simulate(ordering, events, choices)
      if (violations.length > 0) return false
      if (starts.length !== events.length || new Set(starts).size !== events.length) return false
      // Order per lane follows fetch order.
      const lastByLane = new Map<string, number>()
      for (const e of starts) {
        const lane = ordering === 'partition' ? e.partitionRef : ordering === 'key' && e.key !== null ? e.partitionRef + e.key : undefined
        if (lane === undefined) continue
        if ((lastByLane.get(lane) ?? -1) > e.offset) return false
        lastByLane.set(lane, e.offset)
      }
      return true
    }))
  })
}

t.test('level counts queued events and bytes; removePartition drops only that assignment', async t => {
  const lanes = new Lanes<Ev>('key')
  lanes.enqueue({ partitionRef: 't:0#1', key: 'a', bytes: 10, offset: 0 })
  lanes.enqueue({ partitionRef: 't:0#1', key: 'a', bytes: 20, offset: 1 })
  lanes.enqueue({ partitionRef: 't:0#10', key: 'a', bytes: 5, offset: 0 })
  lanes.enqueue({ partitionRef: 't:1#2', key: null, bytes: 7, offset: 0 })
  t.same(lanes.level(), { events: 4, bytes: 42 })
  const removed = lanes.removePartition('t:0#1')
  t.same(removed.map(e => e.offset), [0, 1])
  t.same(lanes.level(), { events: 2, bytes: 12 })
  t.equal(lanes.startNext()?.partitionRef, 't:0#10', 't:0#10 is not t:0#1')
})
