import t from 'tap'
import { IntelligenceKafkaConsumer } from '../../src/consumer/intelligence-consumer.js'
import { brokers, committedOffsets, createTopics, endOffsets, produce, readRecords, request, unique, until } from '../helpers/kafka.js'

t.test('bench events flow through the pool and every offset is committed', async t => {
  const requestTopic = unique('bench-req')
  const responseTopic = unique('bench-resp')
  const groupId = unique('group')
  await createTopics([requestTopic, responseTopic, requestTopic + '.dlq'])
  const n = 60
  const messages = Array.from({ length: n }, (_, i) => ({ key: `k${i % 7}`, value: request({ cpu_ms: 2 }) }))
  await produce(requestTopic, messages)

  const consumer = new IntelligenceKafkaConsumer({
    bootstrapServers: brokers,
    groupId,
    maxInFlight: 4,
    threads: 2,
    routes: [{ handler: { builtin: 'bench_cpu' }, topics: [requestTopic], eventTypes: [], responseTopic, options: {} }],
    commitIntervalMs: 100
  })
  await consumer.start()
  t.teardown(() => consumer.stop())
  await until(() => consumer.getMetrics().events_processed === n, 60_000, 'all processed')
  const responses = await readRecords(responseTopic, n)
  const sent = new Set(messages.map(m => JSON.parse(m.value).correlation_id))
  const got = new Set(responses.map(r => JSON.parse(r.value.toString()).correlation_id))
  t.same([...got].sort(), [...sent].sort(), 'one response per request')
  const m = consumer.getMetrics()
  t.ok(m.max_concurrent_events <= 4, 'never more than max_in_flight at the gate')
  t.ok(m.pool.peak_running <= 4 && m.pool.peak_running >= 1, `running inside workers bounded (${m.pool.peak_running})`)
  await consumer.stop()
  t.same(await committedOffsets(groupId, requestTopic), await endOffsets(requestTopic), 'committed = end of every partition')
})
