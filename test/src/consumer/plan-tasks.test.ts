// How events that took their slots are grouped into pool tasks.
import t from 'tap'
import fc from 'fast-check'
import { planTasks } from '../../../src/consumer/intelligence-consumer.js'

const ev = (n: number, bytes = 100): Array<{ id: number, bytes: number }> => Array.from({ length: n }, (_, id) => ({ id, bytes }))
const sizes = (tasks: unknown[][]): number[] => tasks.map(x => x.length)

t.test('alone while every event can have an idle thread, or when batching is off', async t => {
  t.same(sizes(planTasks(ev(2), 2, 32, 1 << 18)), [1, 1])
  t.same(sizes(planTasks(ev(1), 0, 32, 1 << 18)), [1], 'a single event always goes alone')
  t.same(sizes(planTasks(ev(100), 2, 1, 1 << 18)), new Array(100).fill(1), 'maxEvents 1 = one event per task')
})

t.test('queuing events: at least one task per idle thread, even sizes, at most maxEvents', async t => {
  t.same(sizes(planTasks(ev(10), 2, 32, 1 << 18)), [5, 5])
  t.same(sizes(planTasks(ev(100), 2, 32, 1 << 18)), [25, 25, 25, 25])
  t.same(sizes(planTasks(ev(5), 0, 32, 1 << 18)), [5], 'every thread busy: one task waits for the first free one')
  t.same(sizes(planTasks(ev(3), 8, 32, 1 << 18)), [1, 1, 1])
})

t.test('the byte bound: a task stays under maxBytes; a larger event goes alone', async t => {
  t.same(sizes(planTasks(ev(10, 100), 0, 32, 350)), [3, 3, 3, 1])
  const mixed = [{ bytes: 10 }, { bytes: 1000 }, { bytes: 10 }, { bytes: 10 }]
  t.same(planTasks(mixed, 0, 32, 500).map(x => x.map(e => e.bytes)), [[10], [1000], [10, 10]])
})

t.test('property: every event exactly once, in order; bounds held', async t => {
  fc.assert(fc.property(
    fc.array(fc.nat(2000), { maxLength: 300 }), fc.nat(8), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 5000 }),
    (byteList, idle, maxEvents, maxBytes) => {
      const events = byteList.map((bytes, id) => ({ id, bytes }))
      const tasks = planTasks(events, idle, maxEvents, maxBytes)
      if (tasks.flat().map(e => e.id).join() !== events.map(e => e.id).join()) return false
      for (const task of tasks) {
        if (task.length === 0 || task.length > maxEvents) return false
        if (task.length > 1 && task.reduce((n, e) => n + e.bytes, 0) > maxBytes) return false
      }
      return events.length > idle || tasks.every(task => task.length === 1)
    }))
})
