// /metrics, /health and /ready against a consumer on the real broker.
//
// The lifecycle test embeds the HTTP server beside an IntelligenceKafkaConsumer, as src/main.ts wires
// them, because only then are "before the assignment" and "after the stop" states a test can hold still
// and look at. The last test runs `node dist/main.js` to check the wiring users get.
//
// Everything asserted is an invariant of counts and states, never a duration: backpressure is made
// certain (max_in_flight 1 and one fetched batch of many events), not likely.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { startHttpServer } from '../../src/http/server.js'
import { classifyHealth, type HealthStatus } from '../../src/metrics/health.js'
import type { ConsumerMetrics } from '../../src/consumer/intelligence-consumer.js'
import { harness } from '../helpers/consumer.js'
import { produce, request, serviceTopics, unique, until } from '../helpers/kafka.js'
import { httpPort, launchService } from '../helpers/service.js'

const CONTRACT_METRICS = {
  kafka_event_processing_total: 'counter',
  kafka_event_processing_failures_total: 'counter',
  kafka_event_processing_duration_seconds: 'histogram',
  kafka_dlq_routed_total: 'counter',
  kafka_consumer_in_flight_events: 'gauge',
  kafka_consumer_backpressure_wait_seconds: 'histogram'
} as const

// Ours (src/metrics/prometheus.ts): backpressure, pool, lag, pause and dead-letter series, and one of
// prom-client's process metrics.
const OUR_METRICS = {
  intelligence_consumer_max_in_flight: 'gauge',
  intelligence_consumer_max_concurrent_events: 'gauge',
  intelligence_consumer_backpressure_events_total: 'counter',
  intelligence_consumer_backpressure_wait_ms_total: 'counter',
  intelligence_consumer_backpressure_percentage: 'gauge',
  intelligence_consumer_avg_backpressure_wait_ms: 'gauge',
  intelligence_consumer_queue_depth: 'gauge',
  intelligence_consumer_pool_queue_size: 'gauge',
  intelligence_consumer_pool_utilization: 'gauge',
  intelligence_consumer_pool_threads: 'gauge',
  intelligence_consumer_workers_replaced_total: 'counter',
  intelligence_consumer_tasks_rerun_total: 'counter',
  intelligence_consumer_pool_tasks_total: 'counter',
  intelligence_consumer_pool_events_total: 'counter',
  intelligence_consumer_paused: 'gauge',
  intelligence_consumer_paused_partitions: 'gauge',
  intelligence_consumer_partition_lag: 'gauge',
  intelligence_consumer_committed_offset: 'gauge',
  intelligence_consumer_worker_wait_seconds: 'histogram',
  intelligence_consumer_worker_run_seconds: 'histogram',
  process_resident_memory_bytes: 'gauge'
} as const

interface Sample { name: string, labels: Record<string, string>, value: number }

/** The samples of a Prometheus text exposition (the subset prom-client writes: no escapes in labels). */
function parseSamples (text: string): Sample[] {
  return text.split('\n').filter(l => l !== '' && !l.startsWith('#')).map(l => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l)
    if (m === null) throw new Error(`not a sample line: ${l}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[k as string] = v as string
    return { name: m[1] as string, labels, value: Number(m[3]) }
  })
}

function types (text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(m => [m[1] as string, m[2] as string]))
}

/** Sum of the samples named `name` whose labels include `where`. */
function sum (samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter(s => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0)
}

interface HealthBody {
  status: HealthStatus
  window: { seconds: number, backpressure_percentage: number, avg_backpressure_wait_ms: number, events_finished: number, events_blocked: number }
  metrics: ConsumerMetrics
}

async function get (url: string): Promise<{ status: number, type: string, text: string }> {
  const res = await fetch(url)
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }
}

async function health (base: string): Promise<{ status: number, body: HealthBody }> {
  const r = await get(`${base}/health`)
  return { status: r.status, body: JSON.parse(r.text) as HealthBody }
}

t.test('embedded: /ready and /health through the lifecycle, /metrics under real backpressure', async t => {
  const h = await harness({ handler: 'bench_cpu', partitions: 1 })
  // One slot, one thread: every event fetched behind the first must wait for a slot.
  const consumer = h.make({ maxInFlight: 1, threads: 1 })
  // A window longer than this test can take: the flood stays inside it, whatever the machine's speed.
  const http = await startHttpServer({
    config: { http: { enabled: true, host: '127.0.0.1', port: 0 }, health: { windowMs: 600_000 } },
    consumer,
    logger: pino({ level: 'silent' })
  })
  t.teardown(async () => { await consumer.stop(); await http.close() })
  const base = http.url

  // ── before start: not ready, unhealthy; /metrics already answers ──
  t.same(await get(`${base}/ready`).then(r => [r.status, JSON.parse(r.text)]), [503, { ready: false }], '/ready 503 before the assignment')
  const before = await health(base)
  t.equal(before.status, 503)
  t.equal(before.body.status, 'unhealthy')
  t.equal(before.body.metrics.is_running, false)
  const first = await get(`${base}/metrics`)
  t.equal(first.status, 200)
  t.match(first.type, /^text\/plain; version=0\.0\.4/, 'Prometheus text format')
  const declared = types(first.text)
  for (const [name, type] of Object.entries({ ...CONTRACT_METRICS, ...OUR_METRICS })) t.equal(declared.get(name), type, `${name} is a ${type}`)

  // ── started and assigned: ready and healthy ──
  await consumer.start()
  await until(async () => (await get(`${base}/ready`)).status === 200, 30_000, '/ready 200')
  const idle = await health(base)
  t.equal(idle.status, 200)
  t.equal(idle.body.status, 'healthy', 'no backpressure yet')
  t.equal(idle.body.metrics.is_running, true)
  t.equal(idle.body.metrics.max_in_flight_limit, 1)

  // ── a flood: one send is one record batch, fetched whole, so all but the first event find the one
  // slot taken. Distinct keys put each event at the head of its own ordering lane: each is ready and
  // counts as blocked. One poison event goes to the dead-letter topic. ──
  const slow = 30
  await produce(h.requestTopic, [
    ...Array.from({ length: slow }, (_, i) => ({ key: `slow-${i}`, value: request({ cpu_ms: 50 }) })),
    { key: 'poison', value: 'not json' }
  ])
  const total = slow + 1
  await until(async () => { const m = (await health(base)).body.metrics; return m.events_processed + m.events_failed === total }, 120_000, 'all events finished')

  const loaded = await health(base)
  t.comment(`after the flood: ${loaded.body.status}, window ${JSON.stringify(loaded.body.window)}`)
  t.equal(loaded.status, 200, 'load is not unhealthiness: still 200')
  t.ok(loaded.body.status === 'high_load' || loaded.body.status === 'overload', `status under backpressure is high_load or overload (${loaded.body.status})`)
  t.equal(loaded.body.status, classifyHealth({
    running: true,
    inGroup: true,
    window: { backpressurePercentage: loaded.body.window.backpressure_percentage, avgWaitMs: loaded.body.window.avg_backpressure_wait_ms }
  }), 'status follows the window figures reported beside it')
  t.equal(loaded.body.window.events_finished, total, 'the whole flood is inside the window')
  t.ok(loaded.body.window.events_blocked >= 1, 'events found the slot taken')
  const m = loaded.body.metrics
  t.equal(loaded.body.window.events_blocked, m.max_in_flight_reached, 'window = since start here (nothing before the flood)')
  t.equal(m.max_concurrent_events, 1, 'never more than max_in_flight at once')
  t.equal(m.current_in_flight, 0, 'every slot given back')
  t.ok(m.paused.times >= 1, 'the queue behind the slot paused the partition')
  t.same(m.dead_letters_by_type, { deserialization_error: 1 })

  // ── /metrics after the flood: the same counts as getMetrics(), by type and outcome ──
  // Commits run every 100 ms (and consumer.commit() may join one that began before the last event
  // finished), so wait for the committed offset to show rather than forcing one.
  let text = ''
  await until(async () => {
    text = (await get(`${base}/metrics`)).text
    return sum(parseSamples(text), 'intelligence_consumer_committed_offset', { topic: h.requestTopic, partition: '0' }) === total
  }, 30_000, 'the last offset committed')
  const s = parseSamples(text)
  const eventType = s.find(x => x.name === 'kafka_event_processing_total' && x.labels.status === 'success')?.labels.event_type
  t.ok(eventType, 'successes are labelled with their event type')
  t.equal(sum(s, 'kafka_event_processing_total', { status: 'success' }), slow, 'answered events, status success')
  t.equal(sum(s, 'kafka_event_processing_total', { status: 'dlq' }), 1, 'the poison event, status dlq')
  t.equal(sum(s, 'kafka_event_processing_total'), m.events_processed + m.events_failed)
  t.equal(sum(s, 'kafka_event_processing_duration_seconds_count'), total, 'one duration per finished event')
  t.equal(sum(s, 'kafka_event_processing_failures_total', { error_type: 'deserialization_error' }), 1)
  t.equal(sum(s, 'kafka_dlq_routed_total', { original_topic: h.requestTopic, error_type: 'deserialization_error' }), 1, 'dead letters by original topic and error_type')
  t.equal(sum(s, 'kafka_consumer_in_flight_events'), 0)
  // Every blocked event got its slot in the end: one wait observation each.
  t.equal(sum(s, 'kafka_consumer_backpressure_wait_seconds_count'), m.max_in_flight_reached, 'one wait per blocked event')
  t.equal(sum(s, 'intelligence_consumer_backpressure_events_total'), m.max_in_flight_reached)
  t.ok(sum(s, 'intelligence_consumer_backpressure_percentage') > 0)
  t.equal(sum(s, 'intelligence_consumer_max_in_flight'), 1)
  t.equal(sum(s, 'intelligence_consumer_max_concurrent_events'), 1)
  t.equal(sum(s, 'intelligence_consumer_pool_threads'), 1)
  const utilization = sum(s, 'intelligence_consumer_pool_utilization')
  t.ok(utilization >= 0 && utilization <= 1, `pool utilization is a share (${utilization})`)
  t.ok(sum(s, 'intelligence_consumer_worker_run_seconds_count') >= total, 'every task timed in the worker')
  t.equal(sum(s, 'intelligence_consumer_paused'), 0, 'resumed once the queue drained')
  t.equal(sum(s, 'intelligence_consumer_paused_partitions'), 0)
  t.equal(sum(s, 'intelligence_consumer_committed_offset', { topic: h.requestTopic, partition: '0' }), total, 'committed past the last event')
  t.equal(sum(s, 'intelligence_consumer_partition_lag', { topic: h.requestTopic, partition: '0' }), 0, 'no lag once committed')
  t.ok(sum(s, 'process_resident_memory_bytes') > 0, 'process metrics of prom-client')

  // ── stopped: unhealthy (503) and not ready ──
  await consumer.stop()
  const after = await health(base)
  t.equal(after.status, 503)
  t.equal(after.body.status, 'unhealthy')
  t.equal(after.body.metrics.is_running, false)
  t.equal((await get(`${base}/ready`)).status, 503, '/ready 503 after the stop')
})

t.test('embedded: only GET and HEAD, only the three routes', async t => {
  const h = await harness({ handler: 'bench_cpu', partitions: 1 })
  const consumer = h.make({ maxInFlight: 1, threads: 1 })
  const http = await startHttpServer({
    config: { http: { enabled: true, host: '127.0.0.1', port: 0 }, health: { windowMs: 60_000 } },
    consumer,
    logger: pino({ level: 'silent' })
  })
  t.teardown(() => http.close())
  t.equal((await fetch(`${http.url}/metrics`, { method: 'POST' })).status, 405)
  t.equal((await fetch(`${http.url}/ready`, { method: 'HEAD' })).status, 503)
  const missing = await get(`${http.url}/nope`)
  t.equal(missing.status, 404)
  t.same(JSON.parse(missing.text).routes, ['/metrics', '/health', '/ready'])
})

t.test('node dist/main.js: HTTP_PORT=0 serves /ready, /health and /metrics of the running service', async t => {
  const topics = await serviceTopics('http-svc')
  const correlationId = randomUUID()
  await produce(topics.request.bench_cpu, [{ key: correlationId, value: request({ cpu_ms: 1 }, { correlation_id: correlationId }) }])
  const service = launchService({
    ...topics.env,
    KAFKA_BOOTSTRAP_SERVERS: (process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092'),
    KAFKA_CONSUMER_GROUP: unique('http-svc-group'),
    KAFKA_MAX_IN_FLIGHT: '7',
    WORKER_THREADS: '1'
  })
  t.teardown(() => { if (service.child.exitCode === null) service.child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${await httpPort(service)}`
  await until(async () => (await get(`${base}/ready`)).status === 200, 60_000, '/ready 200')
  await until(async () => (await health(base)).body.metrics.events_processed === 1, 60_000, 'the event answered')
  const hb = await health(base)
  t.equal(hb.status, 200)
  t.equal(hb.body.status, 'healthy')
  t.equal(hb.body.metrics.max_in_flight_limit, 7, 'KAFKA_MAX_IN_FLIGHT reaches /health')
  t.equal(hb.body.metrics.is_running, true)
  const text = (await get(`${base}/metrics`)).text
  const declared = types(text)
  for (const name of Object.keys(CONTRACT_METRICS)) t.ok(declared.has(name), `${name} exported`)
  const s = parseSamples(text)
  t.equal(sum(s, 'kafka_event_processing_total', { status: 'success' }), 1)
  t.equal(sum(s, 'intelligence_consumer_max_in_flight'), 7)
  service.child.kill('SIGTERM')
  const exit = await service.exited
  t.equal(exit.code, 0)
})
