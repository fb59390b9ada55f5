// What one bench run measures, in a child process of its own (bench/lib/runner.ts), so that its RSS,
// CPU time, JIT and heap start from zero and nothing of an earlier run leaks into the figures.
//
//   service  the real IntelligenceKafkaConsumer (Kafka → gate → worker pool → responses on Kafka)
//   inline   a plain kafkajs consumer, eachMessage running the same handler on the main thread and
//            sending the response before it returns (what users write first)
//   pool     the service's WorkerPool fed directly from memory, max_in_flight tasks at once, no Kafka
//            (the ceiling of the pool)
//   bare     a kafkajs consumer whose eachMessage does nothing (the ceiling of the client)

import { availableParallelism, hostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import kafkajs from 'kafkajs'
import { IntelligenceKafkaConsumer } from '../../src/index.js'
import type { Ordering } from '../../src/index.js'
import { WorkerPool } from '../../src/pool/pool.js'
import { Completion, type Steady } from './completion.js'
import { kernelPeakRss, RssSampler } from './rss.js'
import { summarize, type Summary } from './stats.js'
import { requestAt, routeFor, type Workload } from './workload.js'

const { Kafka, logLevel } = kafkajs

export type ScenarioKind = 'service' | 'inline' | 'pool' | 'bare'

export interface ScenarioConfig {
  readonly kind: ScenarioKind
  readonly brokers: readonly string[]
  readonly topic: string
  readonly responseTopic: string
  readonly groupId: string
  readonly workload: Workload
  readonly seed: number
  /** Events that end the run (count-bounded); the pool scenario runs requests 0..target-1. */
  readonly target: number
  /** Time-bounded instead: the run ends this long after the consumer started (target ignored). */
  readonly windowMs?: number
  /** Share of `target` left out of the throughput window as warm-up. */
  readonly warmupFraction: number
  readonly maxInFlight: number
  readonly maxInFlightBytes: number
  readonly threads: number
  readonly ordering: Ordering
  /** The run gives up after this long (then reports what it has, with `timedOut`). */
  readonly timeoutMs: number
}

export interface ScenarioResult {
  readonly kind: ScenarioKind
  /** Events finished by the end of the child, those drained while stopping included. */
  readonly finished: number
  /** Events that ended as dead letters (service) or as a failed task (inline, pool). */
  readonly failed: number
  readonly timedOut: boolean
  readonly steady: Steady
  /** Wall-clock time (Date.now) when processing could start (pool up, group joined): the origin of
   * end-to-end latency for a preloaded backlog. */
  readonly startEpochMs: number
  /** How long start-up took: service start(), kafkajs run() (group join), or pool.ready(). */
  readonly startMs: number
  readonly rss: { readonly startMb: number, readonly peakMb: number, readonly kernelPeakMb: number | null, readonly samples: number }
  /** service: slot taken → outcome acknowledged by the broker, per event (ms). */
  readonly serviceMs?: Summary
  /** service: the figures of getMetrics() at the end of the run. */
  readonly metrics?: {
    readonly backpressure_percentage: number
    readonly avg_backpressure_wait_ms: number
    readonly max_concurrent_events: number
    readonly pauses: number
    readonly peak_running: number
    readonly worker_wait_p50_ms: number
    readonly worker_wait_p99_ms: number
    readonly worker_run_p50_ms: number
    /** Events per Piscina task: quick events share tasks while they wait for a worker. */
    readonly events_per_task: number
    readonly events_failed: number
    readonly error_responses: number
    readonly queue_depth_at_end: number
    readonly in_flight_bytes_at_end: number
  }
  /** inline: time spent in the handler (envelope included) on the main thread, per event (ms). */
  readonly handlerMs?: Summary
}

export interface ProgressReport { readonly done: number, readonly target: number, readonly rssMb: number, readonly elapsedMs: number }

const MB = 1024 * 1024
const source = { service: 'archon-intelligence', instance: hostname(), version: '' }

export async function runScenario (config: ScenarioConfig, progress: (p: ProgressReport) => void): Promise<ScenarioResult> {
  const rss = new RssSampler()
  const startMb = process.memoryUsage.rss() / MB
  rss.start()
  const target = config.windowMs !== undefined ? Number.POSITIVE_INFINITY : config.target
  const completion = new Completion(target, Math.floor(config.warmupFraction * config.target))
  const started = performance.now()
  const ticker = setInterval(() => progress({
    done: completion.count, target: config.windowMs !== undefined ? 0 : config.target, rssMb: process.memoryUsage.rss() / MB, elapsedMs: performance.now() - started
  }), 250)
  try {
    const run = RUNNERS[config.kind]
    const r = await run(config, completion)
    rss.stop()
    const kernel = kernelPeakRss()
    return {
      kind: config.kind,
      finished: completion.count,
      steady: completion.steady(),
      rss: { startMb, peakMb: rss.peak / MB, kernelPeakMb: kernel === undefined ? null : kernel / MB, samples: rss.samples },
      ...r
    }
  } finally {
    clearInterval(ticker)
  }
}

type Runner = (c: ScenarioConfig, completion: Completion) => Promise<Omit<ScenarioResult, 'kind' | 'finished' | 'steady' | 'rss'>>

/** Resolves when the run is over: target reached, window elapsed, or timed out (→ true). */
async function runEnd (c: ScenarioConfig, completion: Completion): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const limit = c.windowMs ?? c.timeoutMs
  if (c.windowMs !== undefined) completion.begin()
  const late = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(c.windowMs === undefined), limit) })
  const timedOut = await Promise.race([completion.done.then(() => false), late])
  clearTimeout(timer)
  completion.end()
  return timedOut
}

const RUNNERS: Record<ScenarioKind, Runner> = {
  async service (c, completion) {
    const consumer = new IntelligenceKafkaConsumer({
      bootstrapServers: [...c.brokers],
      clientId: `bench-${c.kind}`,
      groupId: c.groupId,
      topics: [c.topic],
      routes: [routeFor(c.workload, c.topic, c.responseTopic)],
      maxInFlight: c.maxInFlight,
      maxInFlightBytes: c.maxInFlightBytes,
      ordering: c.ordering,
      ...(c.threads > 0 ? { threads: c.threads } : {}),
      shutdownTimeoutMs: 15_000
    })
    const durations: number[] = []
    let failed = 0
    consumer.observe({
      onEventFinished (e) {
        durations.push(e.durationMs)
        if (e.outcome === 'dead_lettered') failed++
        completion.note()
      }
    })
    const t0 = performance.now()
    await consumer.start()
    // start() resolves once the worker pool answers and the group is joined: processing starts now.
    const startEpochMs = Date.now()
    const startMs = performance.now() - t0
    const timedOut = await runEnd(c, completion)
    const m = consumer.getMetrics()
    await consumer.stop()
    return {
      failed,
      timedOut,
      startEpochMs,
      startMs,
      serviceMs: summarize(durations),
      metrics: {
        backpressure_percentage: m.backpressure_percentage,
        avg_backpressure_wait_ms: m.avg_backpressure_wait_ms,
        max_concurrent_events: m.max_concurrent_events,
        pauses: m.paused.times,
        peak_running: m.pool.peak_running,
        worker_wait_p50_ms: m.worker_wait_ms.p50,
        worker_wait_p99_ms: m.worker_wait_ms.p99,
        worker_run_p50_ms: m.worker_run_ms.p50,
        events_per_task: m.pool.tasks_posted === 0 ? 0 : m.pool.events_posted / m.pool.tasks_posted,
        events_failed: m.events_failed,
        error_responses: m.error_responses,
        queue_depth_at_end: m.queue_depth,
        in_flight_bytes_at_end: m.in_flight_bytes
      }
    }
  },

  async inline (c, completion) {
    // The same handler functions the workers run, imported directly, behind the same envelope code.
    // Imported here, not at the top: the TypeScript compiler and tree-sitter the handlers load would
    // otherwise sit in the main thread of every run and inflate the service's RSS.
    const [{ handleEvent }, { benchCpuHandler }, { validateHandler }, { Router }] = await Promise.all([
      import('../../workers/handle-event.js'),
      import('../../workers/handlers/bench-cpu.js'),
      import('../../workers/handlers/index.js'),
      import('../../workers/router.js')
    ])
    const route = routeFor(c.workload, c.topic, c.responseTopic)
    const router = new Router([{ spec: route, handler: c.workload.kind === 'cpu' ? benchCpuHandler : validateHandler }])
    const kafka = new Kafka({ brokers: [...c.brokers], clientId: `bench-${c.kind}`, logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    const consumer = kafka.consumer({ groupId: c.groupId, maxWaitTimeInMs: 100 })
    await producer.connect()
    await consumer.connect()
    await consumer.subscribe({ topics: [c.topic], fromBeginning: true })
    const handlerMs: number[] = []
    let failed = 0
    const t0 = performance.now()
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const t0 = performance.now()
        const out = await handleEvent(message.value ?? new Uint8Array(0), topic, router, source)
        handlerMs.push(performance.now() - t0)
        if (out.kind === 'reply') await producer.send({ topic: out.topic, acks: -1, messages: [{ key: out.key, value: out.value }] })
        else failed++
        completion.note()
      }
    })
    // run() resolves once the group is joined (kafkajs' runner joins before it starts fetching).
    const startEpochMs = Date.now()
    const startMs = performance.now() - t0
    const timedOut = await runEnd(c, completion)
    await consumer.disconnect()
    await producer.disconnect()
    return { failed, timedOut, startEpochMs, startMs, handlerMs: summarize(handlerMs) }
  },

  async pool (c, completion) {
    // Requests built up front, as the service has them in hand after a fetch; copied into shared
    // memory per task exactly as the service does.
    const requests = Array.from({ length: c.target }, (_, i) => requestAt(c.workload, c.seed, i).value)
    const pool = new WorkerPool({
      threads: c.threads > 0 ? c.threads : availableParallelism(),
      slots: c.maxInFlight,
      routes: [routeFor(c.workload, c.topic, c.responseTopic)],
      source,
      resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 4 },
      taskTimeoutMs: 30_000
    })
    const t0 = performance.now()
    await pool.ready()
    const startEpochMs = Date.now()
    const startMs = performance.now() - t0
    const free = Array.from({ length: c.maxInFlight }, (_, i) => c.maxInFlight - 1 - i)
    let next = 0
    let failed = 0
    const launch = (): void => {
      while (free.length > 0 && next < requests.length) {
        const slot = free.pop() as number
        const i = next++
        const bytes = requests[i] as Buffer
        const value = new Uint8Array(new SharedArrayBuffer(bytes.length))
        value.set(bytes)
        void pool.run({ slot, topic: c.topic, partition: 0, offset: String(i), value, attempt: 1 }).then(({ output }) => {
          if (output.kind !== 'reply' || output.errorResponse) failed++
          free.push(slot)
          completion.note()
          launch()
        })
      }
    }
    launch()
    const timedOut = await runEnd(c, completion)
    await pool.close()
    return { failed, timedOut, startEpochMs, startMs }
  },

  async bare (c, completion) {
    const kafka = new Kafka({ brokers: [...c.brokers], clientId: `bench-${c.kind}`, logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId: c.groupId, maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topics: [c.topic], fromBeginning: true })
    const t0 = performance.now()
    await consumer.run({ eachMessage: async () => { completion.note() } })
    const startEpochMs = Date.now()
    const startMs = performance.now() - t0
    const timedOut = await runEnd(c, completion)
    await consumer.disconnect()
    return { failed: 0, timedOut, startEpochMs, startMs }
  }
}
