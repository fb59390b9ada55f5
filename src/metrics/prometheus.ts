// The only file that imports prom-client. One registry per consumer (registering a name twice throws).
// The old service's metric names are kept as they were (README.md#metrics); ours sit beside them with
// the `intelligence_consumer_` prefix. Per-event metrics are fed by the consumer's observer hooks;
// gauges read getMetrics() at scrape time (collect() callbacks must be normal functions: prom-client
// calls them with `this` bound to the metric).

import client from 'prom-client'
import type { ConsumerMetrics, IntelligenceKafkaConsumer } from '../consumer/intelligence-consumer.js'

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export interface PrometheusMetrics {
  readonly registry: client.Registry
  readonly contentType: string
  metrics (): Promise<string>
}

export function createPrometheusMetrics (consumer: IntelligenceKafkaConsumer): PrometheusMetrics {
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry })
  let snapshot: ConsumerMetrics | undefined
  // One getMetrics() per scrape, shared by every gauge below.
  const m = (): ConsumerMetrics => (snapshot ??= consumer.getMetrics())

  // ── the old service's names ──
  const processed = new client.Counter({
    name: 'kafka_event_processing_total', help: 'Events finished, by event type and status (success, error_response, dlq).',
    labelNames: ['event_type', 'status'], registers: [registry]
  })
  const failures = new client.Counter({
    name: 'kafka_event_processing_failures_total', help: 'Events that failed, by event type and dead-letter error type.',
    labelNames: ['event_type', 'error_type'], registers: [registry]
  })
  const duration = new client.Histogram({
    name: 'kafka_event_processing_duration_seconds', help: 'From slot acquired to outcome acknowledged, by event type.',
    labelNames: ['event_type'], buckets: SECONDS_BUCKETS, registers: [registry]
  })
  const dlq = new client.Counter({
    name: 'kafka_dlq_routed_total', help: 'Dead letters written, by original topic and error type.',
    labelNames: ['original_topic', 'error_type'], registers: [registry]
  })
  new client.Gauge({
    name: 'kafka_consumer_in_flight_events', help: 'Events holding a processing slot now (current_in_flight).', registers: [registry],
    collect () { this.set(m().current_in_flight) }
  })
  const wait = new client.Histogram({
    name: 'kafka_consumer_backpressure_wait_seconds', help: 'Time an event waited for a free slot, for events that found none.',
    buckets: SECONDS_BUCKETS, registers: [registry]
  })

  // ── ours ──
  const gauge = (name: string, help: string, read: (x: ConsumerMetrics) => number): void => {
    new client.Gauge({ name: `intelligence_consumer_${name}`, help, registers: [registry], collect () { this.set(read(m())) } })
  }
  const counter = (name: string, help: string, read: (x: ConsumerMetrics) => number): void => {
    new client.Counter({ name: `intelligence_consumer_${name}_total`, help, registers: [registry], collect () { this.reset(); this.inc(read(m())) } })
  }
  gauge('max_in_flight', 'Configured max_in_flight (max_in_flight_limit).', x => x.max_in_flight_limit)
  gauge('max_concurrent_events', 'Most events ever in flight at once.', x => x.max_concurrent_events)
  counter('backpressure_events', 'Events that found no free slot (max_in_flight_reached).', x => x.max_in_flight_reached)
  counter('backpressure_wait_ms', 'Total time events waited for a slot, ms.', x => x.total_backpressure_wait_time_ms)
  gauge('backpressure_percentage', 'Events that found no free slot per 100 finished, since start.', x => x.backpressure_percentage)
  gauge('avg_backpressure_wait_ms', 'Average wait of events that found no free slot, ms, since start.', x => x.avg_backpressure_wait_ms)
  gauge('in_flight_bytes', 'Bytes of event values holding slots.', x => x.in_flight_bytes)
  gauge('queue_depth', 'Fetched events waiting for a slot or for their ordering lane.', x => x.queue_depth)
  gauge('queue_bytes', 'Bytes of the fetched events waiting.', x => x.queue_bytes)
  gauge('pool_queue_size', 'Events waiting for room at the worker threads.', x => x.pool.queue_size)
  gauge('pool_utilization', 'Share of worker time spent running tasks (0..1).', x => x.pool.utilization)
  gauge('pool_threads', 'Worker threads alive.', x => x.pool.threads)
  gauge('pool_running', 'Events running inside workers now.', x => x.pool.running)
  counter('workers_replaced', 'Worker threads replaced after a timeout, memory limit or crash.', x => x.pool.workers_replaced)
  counter('tasks_rerun', 'Events lost with a worker killed by another event (unstarted, or finished with the answer unread), run again.', x => x.pool.tasks_rerun)
  counter('pool_tasks', 'Tasks handed to the worker threads; a task carries one event, or several quick ones.', x => x.pool.tasks_posted)
  counter('pool_events', 'Events handed to the worker threads (pool_events / pool_tasks = events per task).', x => x.pool.events_posted)
  counter('retries', 'Handler attempts retried after a failure.', x => x.retries)
  counter('events_fetched', 'Records taken from fetch responses.', x => x.events_fetched)
  counter('duplicates_skipped', 'Redelivered events skipped because they were already in hand.', x => x.duplicates_skipped)
  gauge('publish_pending', 'Responses and dead letters waiting for the broker to acknowledge.', x => x.publish_pending)
  gauge('paused', '1 while partitions are paused by backpressure.', x => x.paused.paused ? 1 : 0)
  gauge('paused_partitions', 'Partitions paused by backpressure.', x => x.paused.partitions.length)
  gauge('worker_wait_p99_ms', "p99 time events waited for a worker to start them, since start, ms.", x => x.worker_wait_ms.p99)
  gauge('worker_run_p99_ms', 'p99 time events ran in a worker, since start, ms.', x => x.worker_run_ms.p99)
  new client.Gauge({
    name: 'intelligence_consumer_partition_lag', help: 'High watermark minus committed offset, per assigned partition.',
    labelNames: ['topic', 'partition'], registers: [registry],
    collect () {
      this.reset()
      for (const p of m().partitions) if (p.lag !== null) this.set({ topic: p.topic, partition: String(p.partition) }, p.lag)
    }
  })
  new client.Gauge({
    name: 'intelligence_consumer_committed_offset', help: 'Last committed offset, per assigned partition.',
    labelNames: ['topic', 'partition'], registers: [registry],
    collect () {
      this.reset()
      for (const p of m().partitions) if (p.committed_offset !== null) this.set({ topic: p.topic, partition: String(p.partition) }, Number(p.committed_offset))
    }
  })
  const workerWait = new client.Histogram({
    name: 'intelligence_consumer_worker_wait_seconds', help: "Time an event waited before a worker started it.",
    buckets: SECONDS_BUCKETS, registers: [registry]
  })
  const workerRun = new client.Histogram({
    name: 'intelligence_consumer_worker_run_seconds', help: 'Time an event ran in a worker.',
    buckets: SECONDS_BUCKETS, registers: [registry]
  })

  consumer.observe({
    onEventFinished (e) {
      const status = e.outcome === 'processed' ? 'success' : e.outcome === 'error_response' ? 'error_response' : 'dlq'
      processed.inc({ event_type: e.eventType, status })
      duration.observe({ event_type: e.eventType }, e.durationMs / 1000)
      if (e.outcome === 'dead_lettered') {
        const errorType = e.errorType ?? 'handler_error'
        failures.inc({ event_type: e.eventType, error_type: errorType })
        dlq.inc({ original_topic: e.topic, error_type: errorType })
      }
    },
    onBackpressureWait (ms) { wait.observe(ms / 1000) },
    onWorkerTiming (waitMs, runMs) {
      if (Number.isFinite(waitMs)) workerWait.observe(waitMs / 1000)
      if (Number.isFinite(runMs)) workerRun.observe(runMs / 1000)
    }
  })

  return {
    registry,
    contentType: registry.contentType,
    async metrics () {
      snapshot = undefined
      try {
        return await registry.metrics()
      } finally {
        snapshot = undefined
      }
    }
  }
}
