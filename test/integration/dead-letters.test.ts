// Every bad input gets a clear outcome and nothing is lost: one case per class, each followed by a
// good event on the same partition that must still be answered.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { committedOffsets, createTopics, deleteTopics, endOffsets, produce, readRecords, request, until } from '../helpers/kafka.js'
import { harness } from '../helpers/consumer.js'
import { DEAD_LETTER_FIELDS } from '../../src/schemas/envelopes.js'

interface Case { name: string, value: Buffer | string, errorType: string, message: RegExp, code: string }

const good = (): string => request({ cpu_ms: 1, fail: false })

const cases: Case[] = [
  { name: 'not JSON', value: '{"correlation_id": oops', errorType: 'deserialization_error', code: 'IC_EVENT_NOT_JSON', message: /not JSON/ },
  { name: 'not UTF-8', value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), errorType: 'deserialization_error', code: 'IC_EVENT_NOT_UTF8', message: /UTF-8/ },
  { name: 'empty value', value: '', errorType: 'deserialization_error', code: 'IC_EVENT_NOT_JSON', message: /not JSON/ },
  { name: 'no payload', value: JSON.stringify({ correlation_id: randomUUID() }), errorType: 'validation_error', code: 'IC_EVENT_INVALID', message: /payload/ },
  { name: 'correlation_id not a UUID', value: JSON.stringify({ correlation_id: 'abc', payload: {} }), errorType: 'validation_error', code: 'IC_EVENT_INVALID', message: /correlation_id is not a UUID/ },
  { name: 'unknown event type', value: request({}, { event_type: 'no.such.type' }), errorType: 'handler_error', code: 'IC_NO_HANDLER', message: /no handler takes event type no\.such\.type/ },
  { name: 'oversized', value: request({ pad: 'x'.repeat(5000) }), errorType: 'payload_too_large', code: 'IC_EVENT_TOO_LARGE', message: /over the limit of 4096 bytes/ },
  { name: 'handler throws', value: request({ fail: true }), errorType: 'handler_error', code: 'IC_HANDLER_FAILED', message: /asked to fail/ },
  { name: 'past the deadline', value: request({ cpu_ms: 8000 }), errorType: 'timeout_error', code: 'IC_HANDLER_TIMEOUT', message: /deadline/ },
  { name: 'out of worker memory', value: request({ oom: true }), errorType: 'resource_limit_error', code: 'IC_WORKER_RESOURCE_LIMIT', message: /memory limit/ },
  { name: 'worker exits', value: request({ exit: true }), errorType: 'worker_crash', code: 'IC_WORKER_CRASH', message: /worker died/ }
]

t.test('each bad input class ends in the dead-letter topic with its error_type; the next good event is answered', async t => {
  const h = await harness({ handler: 'timed', partitions: 1 })
  const messages = cases.flatMap(c => [{ key: c.name, value: c.value }, { key: `${c.name} (good)`, value: good() }])
  await produce(h.requestTopic, messages)
  const consumer = h.make({ maxInFlight: 4, maxPayloadBytes: 4096, taskTimeoutMs: 2000, handlerRetries: 2, workerMaxOldGenerationMb: 128 })
  await consumer.start()
  t.teardown(() => consumer.stop())
  await until(() => { const m = consumer.getMetrics(); return m.events_processed + m.events_failed === messages.length }, 60_000, 'all finished')
  await consumer.stop()

  const dead = await readRecords(h.dlqTopic, cases.length)
  const byKey = new Map(dead.map(d => [d.key, JSON.parse(d.value.toString())]))
  for (const [i, c] of cases.entries()) {
    const rec = byKey.get(c.name)
    t.ok(rec, `${c.name}: dead-lettered`)
    if (rec === undefined) continue
    t.same(Object.keys(rec).sort(), [...DEAD_LETTER_FIELDS].sort(), `${c.name}: the contract's fields and ours`)
    t.equal(rec.error_type, c.errorType, `${c.name}: error_type`)
    t.equal(rec.error_code, c.code, `${c.name}: error_code`)
    t.match(rec.error, c.message, `${c.name}: message says what happened`)
    t.equal(rec.original_topic, h.requestTopic)
    t.equal(rec.original_partition, 0)
    t.equal(rec.original_offset, String(2 * i))
    t.equal(rec.consumer_group, h.groupId)
    t.match(rec.error_timestamp, /^\d{4}-\d\d-\d\dT.*Z$/)
    if (c.name === 'not UTF-8') t.equal(rec.original_value, '<binary data, size=4 bytes>')
    if (c.name === 'not JSON') t.equal(rec.original_value, c.value)
    if (c.name === 'handler throws') t.equal(rec.attempts, 3, 'retried twice, then dead-lettered')
  }
  const responses = await readRecords(h.responseTopic, cases.length)
  t.equal(responses.length, cases.length, 'every good event after a bad one was answered')
  const m = consumer.getMetrics()
  t.equal(m.events_failed, cases.length)
  t.equal(m.current_in_flight, 0, 'no slot leaked')
  t.ok(m.pool.workers_replaced >= 3, `the timed-out, exhausted and exited workers were replaced (${m.pool.workers_replaced})`)
  t.same(await committedOffsets(h.groupId, h.requestTopic), await endOffsets(h.requestTopic), 'all committed')
})

t.test('a dead-letter topic that cannot be written holds the offset back until it can', async t => {
  const h = await harness({ handler: 'timed', partitions: 1 })
  const consumer = h.make({ retryBackoffMs: 50, retryBackoffMaxMs: 200 })
  await consumer.start()
  t.teardown(() => consumer.stop())
  await produce(h.requestTopic, [{ key: 'first', value: good() }])
  await until(() => consumer.getMetrics().events_processed === 1, 30_000, 'the first event answered')
  // The dead-letter topic disappears while the service runs (it was checked at start).
  await deleteTopics([h.dlqTopic])
  await produce(h.requestTopic, [{ key: 'bad', value: 'not json' }, { key: 'good', value: good() }])
  await until(() => consumer.getMetrics().events_processed === 2, 30_000, 'the good event answered')
  await consumer.commit()
  t.equal((await committedOffsets(h.groupId, h.requestTopic)).get(0), 1n,
    'offset 1 (the poison event) is not committed while its dead letter is unwritten')
  t.equal(consumer.getMetrics().events_failed, 0)
  t.ok(consumer.getMetrics().publish_pending >= 1, 'the dead letter is still pending')
  await until(async () => {
    try { await createTopics([h.dlqTopic], 1); return true } catch { return false } // deletion may still be in progress
  }, 30_000, 'dead-letter topic recreated')
  await until(() => consumer.getMetrics().events_failed === 1, 30_000, 'dead letter written once the topic exists')
  await consumer.commit()
  t.equal((await committedOffsets(h.groupId, h.requestTopic)).get(0), 3n, 'then every offset is committed')
  const [dead] = await readRecords(h.dlqTopic, 1)
  t.equal(dead?.key, 'bad')
})
