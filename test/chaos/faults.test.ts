// Scenarios 5 and 8, with the consumer embedded (its metrics are read directly): handler faults at 1%
// of events, and a storm of poison events of every class mixed with good ones. Each fault or poison
// event ends in the dead-letter topic with its own error_type, every good event is answered, and no
// slot leaks.
import t, { type Test } from 'tap'
import { IntelligenceKafkaConsumer, type ConsumerMetrics } from '../../src/consumer/intelligence-consumer.js'
import { brokers } from '../helpers/kafka.js'
import { timedHandlerModule } from '../helpers/consumer.js'
import { History, requestFor, scaled, summary, waitFor, type Outcome } from './lib/history.js'

function consumer (h: History, extra: Partial<ConstructorParameters<typeof IntelligenceKafkaConsumer>[0]> = {}): IntelligenceKafkaConsumer {
  return new IntelligenceKafkaConsumer({
    bootstrapServers: brokers,
    groupId: h.groupId,
    routes: [{ handler: { module: timedHandlerModule, export: 'timed' }, topics: [h.requestTopic], eventTypes: [], responseTopic: h.responseTopic, options: {} }],
    threads: 2,
    maxInFlight: 8,
    commitIntervalMs: 200,
    retryBackoffMs: 10,
    handlerRetries: 1,
    // The deadline must be far longer than filling the worker's heap takes, or an out-of-memory event
    // is classified timeout_error on a busy machine (seen with 1500 ms and 128 MB): a small heap fills
    // in well under a second; hanging events burn 60 s, past any of these deadlines.
    taskTimeoutMs: 5000,
    workerMaxOldGenerationMb: 128,
    ...extra
  })
}

/** Runs the consumer until all n events are finished and committed; its last metrics and the outcome. */
async function runToEnd (t: Test, h: History, c: IntelligenceKafkaConsumer, n: number): Promise<{ m: ConsumerMetrics, o: Outcome }> {
  t.teardown(() => c.stop())
  await c.start()
  await waitFor(() => { const m = c.getMetrics(); return m.events_processed + m.events_failed === n }, 240_000, 'every event finished')
  await waitFor(() => h.fullyCommitted(), 30_000, 'every offset committed')
  const m = c.getMetrics()
  await c.stop()
  return { m, o: await h.outcome() }
}

// Twice: with 2 ms events, one per pool task; with quick events that share tasks, where each fault
// also takes down the events of its task and of the task queued behind it, which must run again.
for (const variant of [{ name: '2 ms events', cpuMs: 2, maxInFlight: 8 }, { name: 'quick events sharing tasks', cpuMs: 0, maxInFlight: 32 }]) {
  t.test(`handler faults at 1%, ${variant.name}: each dead-lettered with its error_type, the rest answered, no slot leaks`, async t => {
    const h = new History(brokers, 'faults')
    await h.createTopics(3)
    const n = scaled(800)
    const faults = ['fail', 'hang', 'oom', 'exit'] as const
    const expected: Record<typeof faults[number], string> = { fail: 'handler_error', hang: 'timeout_error', oom: 'resource_limit_error', exit: 'worker_crash' }
    const faultOf = new Map<number, typeof faults[number]>()
    for (let i = 50; i < n; i += 100) faultOf.set(i, faults[faultOf.size % faults.length] as typeof faults[number])
    const faultIds = new Map<string, typeof faults[number]>()
    await h.produce(n, (id, i) => {
      const f = faultOf.get(i)
      if (f !== undefined) faultIds.set(id, f)
      const payload = f === undefined ? { cpu_ms: variant.cpuMs } : f === 'hang' ? { cpu_ms: 60_000 } : { [f]: true }
      return requestFor(id, payload)
    })
    h.startOffsetWatch()
    const { m, o } = await runToEnd(t, h, consumer(h, { maxInFlight: variant.maxInFlight }), n)
    t.comment(summary('handler-faults', o, { faults: faultIds.size, workers_replaced: m.pool.workers_replaced, tasks_rerun: m.pool.tasks_rerun, events_per_task: (m.pool.events_posted / m.pool.tasks_posted).toFixed(1) }))
    t.equal(o.lost, 0, 'none lost')
    t.equal(o.deadLettered, faultIds.size, 'exactly the faulty events dead-lettered')
    for (const [id, f] of faultIds) t.ok(o.errorTypes.get(expected[f])?.has(id), `${f} → ${expected[f]}`)
    t.equal(o.answered, n - faultIds.size, 'every good event answered')
    t.equal(o.duplicates, 0, 'nothing answered twice')
    t.equal(m.current_in_flight, 0, 'no slot leaked')
    t.equal(m.pool.workers_replaced, [...faultIds.values()].filter(f => f !== 'fail').length, 'one replacement per thread-killing fault')
    if (variant.cpuMs === 0) t.ok(m.pool.events_posted > m.pool.tasks_posted, `quick events shared tasks (${m.pool.events_posted} events in ${m.pool.tasks_posted} tasks)`)
    t.same(await h.stopOffsetWatch(), [], 'committed offsets never went backwards')
  })
}

t.test('bad-input storm: 10% poison of every class, all dead-lettered with the right type, all good answered', async t => {
  const h = new History(brokers, 'storm')
  await h.createTopics(3)
  const n = scaled(1000)
  const poison: Array<[string, (id: string) => string | Buffer]> = [
    ['deserialization_error', () => '{"not": json'],
    ['deserialization_error', () => Buffer.from([0x7b, 0xc3, 0x28, 0x7d])],
    ['validation_error', () => JSON.stringify({ correlation_id: 'not-a-uuid', payload: {} })],
    ['validation_error', id => JSON.stringify({ correlation_id: id, payload: 'not an object' })],
    ['handler_error', id => JSON.stringify({ correlation_id: id, event_type: 'nobody.handles.this', payload: {} })],
    ['payload_too_large', id => requestFor(id, { pad: 'x'.repeat(20_000) })],
    ['handler_error', id => requestFor(id, { fail: true })]
  ]
  const expected = new Map<string, string>()
  await h.produce(n, (id, i) => {
    if (i % 10 !== 3) return requestFor(id, { cpu_ms: 1 })
    const [type, make] = poison[(i / 10 | 0) % poison.length] as [string, (id: string) => string | Buffer]
    expected.set(id, type)
    return make(id)
  })
  const { m, o } = await runToEnd(t, h, consumer(h, { maxPayloadBytes: 16_384 }), n)
  t.comment(summary('bad-input-storm', o, { poison: expected.size }))
  t.equal(o.lost, 0, 'none lost')
  let wrong = 0
  for (const [id, type] of expected) if (o.errorTypes.get(type)?.has(id) !== true) wrong++
  t.equal(wrong, 0, 'every poison event dead-lettered with its error_type')
  t.equal(o.deadLettered, expected.size, 'no good event dead-lettered')
  t.equal(o.answered, n - expected.size, 'every good event answered')
  t.equal(m.current_in_flight, 0)
})
