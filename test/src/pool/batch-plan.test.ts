// The batching decision alone: never an idle worker for lack of a share, never more work per task than
// the target allows, one event per task while run times are unknown or batching is off.
import t from 'tap'
import fc from 'fast-check'
import { batchCap, DEFAULT_BATCH_LIMITS, RunTimeAverage, type BatchLimits } from '../../../src/pool/batch-plan.js'

const limits = (maxEvents: number, targetMs = 1): BatchLimits => ({ maxEvents, maxBytes: 64 * 1024, targetMs })

t.test('one event per task until run times are known, with one waiting event, or with batching off', async t => {
  t.equal(batchCap(100, 4, undefined, DEFAULT_BATCH_LIMITS), 1)
  t.equal(batchCap(1, 4, 0.01, DEFAULT_BATCH_LIMITS), 1)
  t.equal(batchCap(100, 4, 0.01, limits(1)), 1)
})

t.test('quick events share a task; slow ones go alone', async t => {
  t.equal(batchCap(20, 4, 0.01, limits(32)), 20, '20 × 10 µs fit one task of 1 ms')
  t.equal(batchCap(100, 4, 0.01, limits(32)), 32, 'at most maxEvents')
  t.equal(batchCap(20, 4, 0.2, limits(32)), 5, '20 × 200 µs = 4 ms of work: four tasks, one per free place')
  t.equal(batchCap(20, 4, 5, limits(32)), 1, '5 ms events: one per task')
})

t.test('properties', async t => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 128 }),
    fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
    fc.integer({ min: 1, max: 256 }), fc.double({ min: 0.01, max: 100, noNaN: true }),
    (waiting, room, avg, maxEvents, targetMs) => {
      const l = limits(maxEvents, targetMs)
      const cap = batchCap(waiting, room, avg, l)
      if (!Number.isInteger(cap) || cap < 1 || cap > Math.max(1, maxEvents)) return false
      // More than one event: their work fits the target.
      if (cap > 1 && avg !== undefined && cap * avg > targetMs + 1e-9) return false
      // The pool asks again for every task it posts: the waiting events then cover every free place
      // that their work needs.
      let left = waiting
      let free = room
      let tasks = 0
      while (left > 0 && free > 0) {
        left -= batchCap(left, free, avg, l)
        free--
        tasks++
      }
      const needed = avg === undefined ? waiting : Math.ceil(waiting * avg / targetMs)
      return tasks >= Math.min(room, needed, waiting)
    }
  ))
  t.pass('cap within [1, maxEvents], work per task within the target, free places covered')
})

t.test('the recent average follows run times and ignores runs that never happened', async t => {
  const avg = new RunTimeAverage()
  t.equal(avg.value, undefined)
  avg.record(Number.NaN)
  t.equal(avg.value, undefined, 'an event that never started has no run time')
  avg.record(30)
  for (let i = 0; i < 99; i++) avg.record(0.05)
  t.ok((avg.value as number) < 0.5, `a cold first run fades at once (${avg.value})`)
  avg.record(50)
  t.ok((avg.value as number) < 5, 'one slow outlier does not stop batching for long')
  for (let i = 0; i < 200; i++) avg.record(5)
  t.ok((avg.value as number) > 4.5, 'a lasting change is followed')
})
