// Small events share pool tasks against the real broker: a flood of tiny events is batched, faulty
// events mixed into it are dead-lettered each with its own error_type and no innocent one with them,
// lane order holds, and CPU-heavy events are not batched.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { committedOffsets, endOffsets, produce, readAll, request, until } from '../helpers/kafka.js'
import { harness } from '../helpers/consumer.js'
import type { IntelligenceKafkaConsumer } from '../../src/consumer/intelligence-consumer.js'

/** Counts the pool tasks the consumer hands out and the events they carry. */
function taskCounter (c: IntelligenceKafkaConsumer): { tasks: number, events: number, largest: number } {
  const seen = { tasks: 0, events: 0, largest: 0 }
  c.observe({
    onPoolTask: n => {
      seen.tasks++
      seen.events += n
      seen.largest = Math.max(seen.largest, n)
    }
  })
  return seen
}

t.test('a flood of tiny events with faults mixed in: batched; each fault dead-lettered alone with its type; every good event answered', async t => {
  const h = await harness({ handler: 'timed', partitions: 3 })
  const n = 3000
  const faults = { fail: 'handler_error', hang: 'timeout_error', oom: 'resource_limit_error', exit: 'worker_crash' } as const
  type Fault = keyof typeof faults
  const faultAt = new Map<number, Fault>()
  // Late enough in the backlog that the consumer has measured its events as quick and batches them.
  for (const [i, at] of [1000, 1400, 1800, 2200, 2600].entries()) faultAt.set(at, (['exit', 'oom', 'hang', 'fail', 'exit'] as const)[i] as Fault)
  const faultOf = new Map<string, Fault>()
  const messages = Array.from({ length: n }, (_, i) => {
    const key = randomUUID()
    const f = faultAt.get(i)
    if (f !== undefined) faultOf.set(key, f)
    const payload = f === undefined ? { cpu_ms: 0 } : f === 'hang' ? { cpu_ms: 60_000 } : { [f]: true }
    // The key doubles as correlation id, which keys the response.
    return { key, value: request(payload, { correlation_id: key }) }
  })
  await produce(h.requestTopic, messages)
  // A deadline well above what filling a 96 MB heap takes on a loaded machine: the oom case must hit the
  // memory limit, not the deadline.
  const consumer = h.make({ maxInFlight: 64, taskTimeoutMs: 5000, handlerRetries: 1, workerMaxOldGenerationMb: 96 })
  const seen = taskCounter(consumer)
  await consumer.start()
  t.teardown(() => consumer.stop())
  await until(() => { const m = consumer.getMetrics(); return m.events_processed + m.events_failed === n }, 120_000, 'all finished')
  await consumer.commit()
  const m = consumer.getMetrics()
  await consumer.stop()

  t.comment(`${seen.tasks} pool tasks for ${seen.events} event runs (largest ${seen.largest}); workers replaced ${m.pool.workers_replaced}`)
  t.ok(seen.largest > 1, 'events shared tasks')
  t.ok(seen.tasks < n / 2, `far fewer tasks than events (${seen.tasks} for ${n})`)
  // 4 thread-killing faults replace 4 threads when each runs alone; one that hit a shared task also
  // took that task's thread first. So more than 4 means isolation was exercised, not just single tasks.
  t.ok(m.pool.workers_replaced > 4, `a crash hit a shared task and was isolated (${m.pool.workers_replaced} threads replaced)`)

  const dead = await readAll(h.dlqTopic)
  const deadTypes = new Map(dead.map(d => [d.key, JSON.parse(d.value.toString()).error_type as string]))
  t.same([...deadTypes.keys()].filter(k => k === null || !faultOf.has(k)), [], 'no innocent event dead-lettered')
  for (const [key, f] of faultOf) t.equal(deadTypes.get(key), faults[f], `${f} → ${faults[f]}`)
  t.equal(dead.length, faultOf.size, 'each faulty event dead-lettered once')
  const answered = new Set((await readAll(h.responseTopic)).map(r => r.key))
  const missing = messages.filter(x => !faultOf.has(x.key) && !answered.has(x.key))
  t.equal(missing.length, 0, 'every good event answered')
  t.equal(m.events_processed, n - faultOf.size)
  t.equal(m.events_failed, faultOf.size)
  t.equal(m.current_in_flight, 0, 'no slot leaked')
  t.same(await committedOffsets(h.groupId, h.requestTopic), await endOffsets(h.requestTopic), 'all committed')
})

t.test('batched events keep key order: same key in offset order, never overlapping', async t => {
  const h = await harness({ handler: 'timed', partitions: 2 })
  const n = 2000
  const messages = Array.from({ length: n }, (_, i) => {
    const key = `k${i % 5}`
    return { key, partition: i % 2, value: request({ key, partition: i % 2, seq: i, cpu_ms: 0 }) }
  })
  await produce(h.requestTopic, messages)
  const consumer = h.make({ maxInFlight: 64, ordering: 'key' })
  const seen = taskCounter(consumer)
  await consumer.start()
  t.teardown(() => consumer.stop())
  await until(() => consumer.getMetrics().events_processed === n, 60_000, 'all processed')
  await consumer.stop()
  t.ok(seen.largest > 1, `events shared tasks (largest ${seen.largest}, ${seen.tasks} tasks)`)
  const results = (await readAll(h.responseTopic)).map(r => JSON.parse(r.value.toString()).payload as { key: string, partition: number, seq: number, start: number, end: number })
  t.equal(results.length, n)
  const lanes = new Map<string, typeof results>()
  for (const r of results) {
    const lane = `${r.partition}/${r.key}`
    lanes.set(lane, [...(lanes.get(lane) ?? []), r])
  }
  const violations: string[] = []
  for (const [lane, list] of lanes) {
    list.sort((a, b) => a.seq - b.seq)
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1] as typeof list[number]
      const b = list[i] as typeof list[number]
      if (b.start < a.end) violations.push(`${lane}: ${b.seq} started before ${a.seq} ended`)
    }
  }
  t.same(violations, [], 'each lane in offset order')
})

t.test('CPU-heavy events are not batched, nor any with maxBatchEvents 1', async t => {
  for (const [name, payload, options] of [
    ['5 ms events', { cpu_ms: 5 }, {}],
    ['maxBatchEvents 1', { cpu_ms: 0 }, { maxBatchEvents: 1 }]
  ] as const) {
    const h = await harness({ handler: 'timed', partitions: 3 })
    const n = name === '5 ms events' ? 300 : 1000
    await produce(h.requestTopic, Array.from({ length: n }, () => ({ key: randomUUID(), value: request(payload) })))
    const consumer = h.make({ maxInFlight: 32, ...options })
    const seen = taskCounter(consumer)
    await consumer.start()
    await until(() => consumer.getMetrics().events_processed === n, 60_000, 'all processed')
    await consumer.stop()
    t.equal(seen.largest, 1, `${name}: one event per task`)
    t.equal(seen.tasks, n, `${name}: ${n} tasks`)
  }
})
