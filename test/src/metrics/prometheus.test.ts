// The Prometheus catalogue over a stand-in consumer: the contract's names and labels, ours beside them,
// gauges read from getMetrics() once per scrape, per-event series fed by the observer hooks.
import t from 'tap'
import type { ConsumerMetrics, ConsumerObserver, IntelligenceKafkaConsumer } from '../../../src/consumer/intelligence-consumer.js'
import { createPrometheusMetrics } from '../../../src/metrics/prometheus.js'

function baseMetrics (): ConsumerMetrics {
  const latency = { count: 0, p50: 0, p99: 0, max: 0, mean: 0 }
  return {
    current_in_flight: 0, max_concurrent_events: 0, max_in_flight_reached: 0, total_backpressure_wait_time_ms: 0,
    avg_backpressure_wait_ms: 0, backpressure_percentage: 0, max_in_flight_limit: 100, events_processed: 0,
    events_failed: 0, dlq_routed: 0, total_processing_time_ms: 0, avg_processing_time_ms: 0, events_per_second: 0,
    uptime_seconds: 0, last_event_timestamp: null, consumer_started_at: null, is_running: true, handlers_registered: 4,
    in_flight_bytes: 0, max_in_flight_bytes: 0, queue_depth: 0, queue_bytes: 0, error_responses: 0, retries: 0,
    duplicates_skipped: 0, events_fetched: 0, results_dropped: 0, dead_letters_by_type: {}, publish_pending: 0, ordering: 'key',
    pool: { threads: 2, queue_size: 0, utilization: 0, running: 0, peak_running: 0, workers_replaced: 0, tasks_rerun: 0, tasks_posted: 0, events_posted: 0 },
    worker_wait_ms: latency, worker_run_ms: latency,
    paused: { paused: false, reason: null, since: null, times: 0, partitions: [] },
    partitions: []
  }
}

/** A consumer that only has what createPrometheusMetrics uses: getMetrics() and observe(). */
function standIn (initial: ConsumerMetrics): { consumer: IntelligenceKafkaConsumer, observer: () => ConsumerObserver, reads: () => number, set: (m: ConsumerMetrics) => void } {
  let metrics = initial
  let reads = 0
  let observer: ConsumerObserver | undefined
  const consumer = {
    getMetrics: () => { reads++; return metrics },
    observe: (o: ConsumerObserver) => { observer = o }
  } as unknown as IntelligenceKafkaConsumer
  return {
    consumer,
    observer: () => { if (observer === undefined) throw new Error('no observer registered'); return observer },
    reads: () => reads,
    set: m => { metrics = m }
  }
}

/** `name{labels} value` lines of the exposition, by their full text before the value. */
function samples (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return out
}

t.test('the contract\'s six names with their types, and ours beside them', async t => {
  const prom = createPrometheusMetrics(standIn(baseMetrics()).consumer)
  const text = await prom.metrics()
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(m => [m[1] as string, m[2] as string]))
  const expected: Record<string, string> = {
    kafka_event_processing_total: 'counter',
    kafka_event_processing_failures_total: 'counter',
    kafka_event_processing_duration_seconds: 'histogram',
    kafka_dlq_routed_total: 'counter',
    kafka_consumer_in_flight_events: 'gauge',
    kafka_consumer_backpressure_wait_seconds: 'histogram',
    intelligence_consumer_backpressure_events_total: 'counter',
    intelligence_consumer_partition_lag: 'gauge',
    intelligence_consumer_worker_run_seconds: 'histogram',
    process_resident_memory_bytes: 'gauge'
  }
  for (const [name, type] of Object.entries(expected)) t.equal(types.get(name), type, name)
  t.match(prom.contentType, /^text\/plain; version=0\.0\.4/)
  // Every series of ours has a help text (Grafana shows it) and the prefix.
  for (const name of types.keys()) {
    if (name.startsWith('kafka_') || name.startsWith('process_') || name.startsWith('nodejs_')) continue
    t.ok(name.startsWith('intelligence_consumer_'), `${name} carries the prefix`)
  }
})

t.test('gauges and counters read getMetrics() at scrape time, once per scrape', async t => {
  const s = standIn(baseMetrics())
  const prom = createPrometheusMetrics(s.consumer)
  const reads = s.reads()
  s.set({
    ...baseMetrics(),
    current_in_flight: 3, max_in_flight_limit: 50, max_concurrent_events: 50, max_in_flight_reached: 12,
    total_backpressure_wait_time_ms: 600, backpressure_percentage: 24, avg_backpressure_wait_ms: 50,
    queue_depth: 9, retries: 4,
    pool: { threads: 2, queue_size: 5, utilization: 0.75, running: 2, peak_running: 2, workers_replaced: 1, tasks_rerun: 3, tasks_posted: 40, events_posted: 400 },
    paused: { paused: true, reason: 'x', since: null, times: 2, partitions: ['a:0', 'a:1'] },
    partitions: [
      { topic: 'a', partition: 0, committed_offset: '40', high_watermark: '50', lag: 10, pending: 3 },
      { topic: 'a', partition: 1, committed_offset: null, high_watermark: null, lag: null, pending: 0 }
    ]
  })
  const x = samples(await prom.metrics())
  t.equal(s.reads() - reads, 1, 'one getMetrics() for the whole scrape')
  t.equal(x.get('kafka_consumer_in_flight_events'), 3)
  t.equal(x.get('intelligence_consumer_max_in_flight'), 50)
  t.equal(x.get('intelligence_consumer_max_concurrent_events'), 50)
  t.equal(x.get('intelligence_consumer_backpressure_events_total'), 12)
  t.equal(x.get('intelligence_consumer_backpressure_wait_ms_total'), 600)
  t.equal(x.get('intelligence_consumer_backpressure_percentage'), 24)
  t.equal(x.get('intelligence_consumer_avg_backpressure_wait_ms'), 50)
  t.equal(x.get('intelligence_consumer_queue_depth'), 9)
  t.equal(x.get('intelligence_consumer_retries_total'), 4)
  t.equal(x.get('intelligence_consumer_pool_queue_size'), 5)
  t.equal(x.get('intelligence_consumer_pool_utilization'), 0.75)
  t.equal(x.get('intelligence_consumer_workers_replaced_total'), 1)
  t.equal(x.get('intelligence_consumer_tasks_rerun_total'), 3)
  t.equal(x.get('intelligence_consumer_pool_tasks_total'), 40)
  t.equal(x.get('intelligence_consumer_pool_events_total'), 400)
  t.equal(x.get('intelligence_consumer_paused'), 1)
  t.equal(x.get('intelligence_consumer_paused_partitions'), 2)
  t.equal(x.get('intelligence_consumer_partition_lag{topic="a",partition="0"}'), 10)
  t.equal(x.get('intelligence_consumer_committed_offset{topic="a",partition="0"}'), 40)
  t.notOk([...x.keys()].some(k => k.includes('partition="1"')), 'a partition without a known lag or commit has no series')

  // Next scrape: a partition revoked and counters moved on; nothing stale remains.
  s.set({ ...baseMetrics(), max_in_flight_reached: 13, retries: 4 })
  const y = samples(await prom.metrics())
  t.equal(s.reads() - reads, 2)
  t.equal(y.get('intelligence_consumer_backpressure_events_total'), 13, 'counters follow the cumulative value, not a sum of scrapes')
  t.equal(y.get('intelligence_consumer_retries_total'), 4)
  t.equal(y.get('intelligence_consumer_paused'), 0)
  t.notOk([...y.keys()].some(k => k.startsWith('intelligence_consumer_partition_lag{')), 'the revoked partition\'s lag is gone')
})

t.test('per-event series: status by outcome, failures and dead letters by error_type, seconds', async t => {
  const s = standIn(baseMetrics())
  const prom = createPrometheusMetrics(s.consumer)
  const o = s.observer()
  const finished = (outcome: 'processed' | 'error_response' | 'dead_lettered', durationMs: number, errorType?: string): void =>
    o.onEventFinished?.({ handler: 'validate', eventType: 'codegen.request.validate', outcome, errorType, topic: 'req.validate', durationMs })
  finished('processed', 20)
  finished('processed', 1500)
  finished('error_response', 5)
  finished('dead_lettered', 400, 'timeout_error')
  finished('dead_lettered', 1) // no error type: the contract's generic handler_error
  o.onBackpressureWait?.(45.23)
  o.onWorkerTiming?.(Number.NaN, 20) // a task that never started has no wait
  o.onWorkerTiming?.(3, 30)
  const x = samples(await prom.metrics())
  const type = 'event_type="codegen.request.validate"'
  t.equal(x.get(`kafka_event_processing_total{${type},status="success"}`), 2)
  t.equal(x.get(`kafka_event_processing_total{${type},status="error_response"}`), 1)
  t.equal(x.get(`kafka_event_processing_total{${type},status="dlq"}`), 2)
  t.equal(x.get(`kafka_event_processing_failures_total{${type},error_type="timeout_error"}`), 1)
  t.equal(x.get(`kafka_event_processing_failures_total{${type},error_type="handler_error"}`), 1)
  t.notOk([...x.keys()].some(k => k.startsWith('kafka_event_processing_failures_total') && k.includes('error_response')), 'an error response is not a failure')
  t.equal(x.get('kafka_dlq_routed_total{original_topic="req.validate",error_type="timeout_error"}'), 1)
  t.equal(x.get('kafka_dlq_routed_total{original_topic="req.validate",error_type="handler_error"}'), 1)
  t.equal(x.get(`kafka_event_processing_duration_seconds_count{${type}}`), 5)
  t.ok(Math.abs((x.get(`kafka_event_processing_duration_seconds_sum{${type}}`) ?? 0) - 1.926) < 1e-9, 'durations in seconds')
  t.equal(x.get(`kafka_event_processing_duration_seconds_bucket{le="1",${type}}`), 4, '1.5 s is above the 1 s bucket')
  t.equal(x.get(`kafka_event_processing_duration_seconds_bucket{le="2.5",${type}}`), 5)
  t.equal(x.get('kafka_consumer_backpressure_wait_seconds_count'), 1)
  t.ok(Math.abs((x.get('kafka_consumer_backpressure_wait_seconds_sum') ?? 0) - 0.04523) < 1e-9)
  t.equal(x.get('kafka_consumer_backpressure_wait_seconds_bucket{le="0.05"}'), 1)
  t.equal(x.get('kafka_consumer_backpressure_wait_seconds_bucket{le="0.025"}'), 0)
  t.equal(x.get('intelligence_consumer_worker_wait_seconds_count'), 1, 'NaN wait not observed')
  t.equal(x.get('intelligence_consumer_worker_run_seconds_count'), 2)
})

t.test('one registry per consumer: two side by side do not clash', async t => {
  const a = createPrometheusMetrics(standIn({ ...baseMetrics(), max_in_flight_limit: 1 }).consumer)
  const b = createPrometheusMetrics(standIn({ ...baseMetrics(), max_in_flight_limit: 2 }).consumer)
  t.not(a.registry, b.registry)
  t.equal(samples(await a.metrics()).get('intelligence_consumer_max_in_flight'), 1)
  t.equal(samples(await b.metrics()).get('intelligence_consumer_max_in_flight'), 2)
})
