// IntelligenceKafkaConsumer: the pipeline. The main thread polls Kafka and only bookkeeps; the CPU work
// runs in the worker pool.
//
//   fetch (kafkajs eachBatch) ─► offset tracker (at-least-once) ─► ordering lanes ─► gate (max_in_flight
//   slots + byte budget) ─► worker pool ─► publisher (response | dead letter, acked) ─► finished
//                                   ▲                                                     │
//   pause/resume partitions ◄───────┴── queue depth vs. high/low water marks ◄───────────┘
//
// Lifecycle states: idle → starting → running → stopping → stopped (stop() is idempotent and bounded by
// shutdownTimeoutMs). A fatal Kafka error moves to stopped and reports through `onFatal`.

import { availableParallelism, hostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import pino, { type Logger } from 'pino'
import { createError, ERRORS, isIntelligenceError, type ErrorCode, type IntelligenceError } from '../errors.js'
import { backpressureFigures, Gate } from '../backpressure/gate.js'
import { shouldPause, watermarks, type Watermarks } from '../backpressure/pause-policy.js'
import { Lanes, type Ordering, type Orderable } from '../ordering/lanes.js'
import { OffsetTracker } from './offset-tracker.js'
import { classifyKafkaError, KafkaClient, type FetchedBatch, type KafkaConnection, type TopicPartitions } from './kafka-client.js'
import { WorkerPool } from '../pool/pool.js'
import { DEFAULT_BATCH_LIMITS } from '../pool/batch-plan.js'
import type { RouteSpec, TaskOutput } from '../pool/task.js'
import { Publisher, PublisherClosedError } from '../publish/publisher.js'
import { deadLetterRecord, deadLetterType } from '../publish/dead-letter.js'
import { Latency } from '../metrics/latency.js'
import { defaultRoutes, type TopicNames } from './routes.js'


export interface IntelligenceConsumerOptions {
  /** Comma-separated string or list of host:port. */
  readonly bootstrapServers: string | readonly string[]
  /** Request topics to consume; default: every topic of `routes`. */
  readonly topics?: readonly string[]
  readonly groupId?: string
  readonly maxInFlight?: number
  /** Byte budget of the values in flight; 0 = none. */
  readonly maxInFlightBytes?: number
  readonly ordering?: Ordering
  readonly queueHighWater?: number
  readonly queueLowWater?: number
  readonly autoOffsetReset?: 'earliest' | 'latest'
  readonly sessionTimeoutMs?: number
  readonly heartbeatIntervalMs?: number
  readonly rebalanceTimeoutMs?: number
  readonly fetchMaxWaitMs?: number
  readonly fetchMaxBytes?: number
  readonly fetchMaxBytesPerPartition?: number
  readonly clientId?: string
  readonly connectionTimeoutMs?: number
  readonly requestTimeoutMs?: number
  readonly kafkaRetries?: number
  /** How long the cluster may answer nothing (no request of the consumer, producer or a probe) before
   * the consumer gives up and reports it through `onFatal`. */
  readonly kafkaOutageTimeoutMs?: number
  readonly sasl?: KafkaConnection['sasl']
  readonly ssl?: KafkaConnection['ssl']
  readonly commitIntervalMs?: number
  readonly shutdownTimeoutMs?: number
  /** Per-task deadline, measured from when a worker starts the task. */
  readonly taskTimeoutMs?: number
  readonly maxPayloadBytes?: number
  /** Further attempts of a handler that threw, with exponential backoff. */
  readonly handlerRetries?: number
  readonly retryBackoffMs?: number
  readonly retryBackoffMaxMs?: number
  /** Worker threads; default: available cores. */
  readonly threads?: number
  readonly workerMaxOldGenerationMb?: number
  readonly workerMaxYoungGenerationMb?: number
  readonly workerStackSizeMb?: number
  /** Most events per pool task while events wait for a worker and handlers are quick (default 128);
   * 1 = one event per task. Each event keeps its own slot, deadline and outcome. */
  readonly maxBatchEvents?: number
  /** Routes to handlers; default: the four code-analysis handlers on the contract's topics. */
  readonly routes?: readonly RouteSpec[]
  readonly topicNames?: Partial<TopicNames>
  readonly dlqSuffix?: string
  readonly source?: { service?: string, instance?: string, version?: string }
  readonly logger?: Logger
  /** Worker entry file; default: the compiled workers/worker.js. */
  readonly workerFile?: string
  /** Called once when the consumer dies and will not recover (the CLI exits non-zero). */
  readonly onFatal?: (err: IntelligenceError) => void
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'
type Outcome = 'processed' | 'error_response' | 'dead_lettered' | 'dropped'

interface PipelineEvent extends Orderable {
  readonly topic: string
  readonly partition: number
  readonly tp: string
  readonly offset: bigint
  readonly offsetText: string
  readonly value: Uint8Array
  readonly timestamp: string
  /** When it was found blocked at the gate (performance.now), if it was. */
  blockedAt: number | undefined
  slot: number
  attempts: number
  acquiredAt: number
}

export interface EventFinished {
  readonly handler: string
  readonly eventType: string
  readonly outcome: Outcome
  readonly errorType?: string | undefined
  readonly topic: string
  readonly durationMs: number
}

export interface ConsumerObserver {
  onEventFinished?(e: EventFinished): void
  onBackpressureWait?(ms: number): void
  /** Per event: time waiting for a worker to start it and running in it, ms (NaN when it never started). */
  onWorkerTiming?(waitMs: number, runMs: number): void
}

const DEFAULT_MAX_IN_FLIGHT = 100

function tpKey (topic: string, partition: number): string { return `${topic}:${partition}` }

/** True once `p` settles (fulfilled or rejected), false if `ms` pass first. Never rejects. */
async function settlesWithin (p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), ms) })
  const settled = p.then(() => true, () => true)
  try {
    return await Promise.race([settled, late])
  } finally {
    clearTimeout(timer)
  }
}

export class IntelligenceKafkaConsumer {
  readonly #o: Required<Pick<IntelligenceConsumerOptions,
    'groupId' | 'maxInFlight' | 'maxInFlightBytes' | 'ordering' | 'commitIntervalMs' | 'shutdownTimeoutMs' |
    'taskTimeoutMs' | 'maxPayloadBytes' | 'handlerRetries' | 'retryBackoffMs' | 'retryBackoffMaxMs' | 'threads' | 'dlqSuffix' |
    'maxBatchEvents'>>
  readonly #options: IntelligenceConsumerOptions
  readonly #log: Logger
  readonly #routes: readonly RouteSpec[]
  readonly #topics: readonly string[]
  readonly #gate: Gate
  readonly #marks: Watermarks
  readonly #lanes: Lanes<PipelineEvent>
  readonly #tracker = new OffsetTracker()
  readonly #observers: ConsumerObserver[] = []
  #client: KafkaClient | undefined
  #pool: WorkerPool | undefined
  #publisher: Publisher | undefined
  #state: State = 'idle'
  #stopping: Promise<void> | undefined
  #commitTimer: NodeJS.Timeout | undefined
  #committing: Promise<void> | undefined
  #assignment = new Map<string, { topic: string, partition: number, epoch: number }>()
  #epoch = 0
  #paused = false
  #pausedSince: number | undefined
  #pauses = 0
  #highWatermarks = new Map<string, bigint>()
  #retryTimers = new Set<NodeJS.Timeout>()
  #running = new Set<PipelineEvent>()
  #inFlightIdle: Array<() => void> = []
  #assignedOnce = false
  #lostGroup = false

  // Counters of the contract's get_metrics() and ours.
  #processed = 0
  #failed = 0
  #dlqRouted = 0
  #errorResponses = 0
  #retries = 0
  #duplicatesSkipped = 0
  #fetched = 0
  #dropped = 0
  #processingMs = 0
  #lastEventAt: number | undefined
  #startedAt: number | undefined
  #deadByType = new Map<string, number>()
  readonly #workerWait = new Latency()
  readonly #workerRun = new Latency()

  constructor (options: IntelligenceConsumerOptions) {
    this.#options = options
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
    this.#o = {
      groupId: options.groupId ?? 'archon-intelligence',
      maxInFlight,
      maxInFlightBytes: options.maxInFlightBytes ?? 0,
      ordering: options.ordering ?? 'key',
      commitIntervalMs: options.commitIntervalMs ?? 1000,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 25_000,
      taskTimeoutMs: options.taskTimeoutMs ?? 30_000,
      maxPayloadBytes: options.maxPayloadBytes ?? 10 * 1024 * 1024,
      handlerRetries: options.handlerRetries ?? 2,
      retryBackoffMs: options.retryBackoffMs ?? 200,
      retryBackoffMaxMs: options.retryBackoffMaxMs ?? 5000,
      threads: options.threads || availableParallelism(),
      dlqSuffix: options.dlqSuffix ?? '.dlq',
      maxBatchEvents: options.maxBatchEvents ?? DEFAULT_BATCH_LIMITS.maxEvents
    }
    this.#log = options.logger ?? pino({ level: 'silent' })
    this.#gate = new Gate({ maxInFlight, maxInFlightBytes: this.#o.maxInFlightBytes })
    this.#marks = watermarks({
      maxInFlight,
      maxInFlightBytes: this.#o.maxInFlightBytes,
      ...(options.queueHighWater !== undefined ? { queueHighWater: options.queueHighWater } : {}),
      ...(options.queueLowWater !== undefined ? { queueLowWater: options.queueLowWater } : {})
    })
    this.#lanes = new Lanes<PipelineEvent>(this.#o.ordering)
    this.#routes = options.routes ?? defaultRoutes(options.topicNames)
    this.#topics = options.topics ?? [...new Set(this.#routes.flatMap(r => r.topics))]
    if (this.#topics.length === 0) throw new RangeError('no topics to consume')
  }

  observe (observer: ConsumerObserver): void { this.#observers.push(observer) }

  get state (): State { return this.#state }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────────

  async start (): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`start() called in state ${this.#state}`)
    this.#state = 'starting'
    const o = this.#options
    const brokers = typeof o.bootstrapServers === 'string'
      ? o.bootstrapServers.split(',').map(s => s.trim()).filter(Boolean)
      : [...o.bootstrapServers]
    const client = new KafkaClient({
      brokers,
      clientId: o.clientId ?? 'intelligence-consumer',
      connectionTimeoutMs: o.connectionTimeoutMs ?? 3000,
      requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
      retries: o.kafkaRetries ?? 8,
      sasl: o.sasl,
      ssl: o.ssl
    }, this.#log.child({ component: 'kafka' }))
    this.#client = client
    this.#pool = new WorkerPool({
      threads: this.#o.threads,
      slots: this.#o.maxInFlight,
      routes: this.#routes,
      source: {
        service: o.source?.service ?? 'archon-intelligence',
        instance: o.source?.instance ?? hostname(),
        version: o.source?.version ?? ''
      },
      resourceLimits: {
        maxOldGenerationSizeMb: o.workerMaxOldGenerationMb ?? 512,
        ...(o.workerMaxYoungGenerationMb ? { maxYoungGenerationSizeMb: o.workerMaxYoungGenerationMb } : {}),
        stackSizeMb: o.workerStackSizeMb ?? 4
      },
      taskTimeoutMs: this.#o.taskTimeoutMs,
      batch: { maxEvents: this.#o.maxBatchEvents },
      ...(o.workerFile !== undefined ? { filename: o.workerFile } : {}),
      onError: err => this.#log.error({ err }, 'worker pool error')
    })
    this.#publisher = new Publisher({
      send: records => client.send(records),
      logger: this.#log.child({ component: 'publisher' }),
      backoffMs: this.#o.retryBackoffMs,
      backoffMaxMs: this.#o.retryBackoffMaxMs
    })
    try {
      await this.#pool.ready()
    } catch (err) {
      this.#state = 'stopped'
      await this.#teardown()
      throw err
    }
    try {
      // Auto-creation is off: a missing response or dead-letter topic would stall its partition with
      // outcomes that have nowhere to go, so every topic this service touches is checked up front.
      const missing = await client.missingTopics([
        ...this.#topics,
        ...this.#routes.map(r => r.responseTopic).filter(t => t !== ''),
        ...this.#topics.map(t => t + this.#o.dlqSuffix)
      ])
      if (missing.length > 0) throw createError('IC_TOPIC_MISSING', missing.join(', '))
      await client.connectProducer()
      await client.connectConsumer({
        groupId: this.#o.groupId,
        fromBeginning: (o.autoOffsetReset ?? 'earliest') === 'earliest',
        sessionTimeoutMs: o.sessionTimeoutMs ?? 30_000,
        heartbeatIntervalMs: o.heartbeatIntervalMs ?? 3000,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 60_000,
        fetchMaxWaitMs: o.fetchMaxWaitMs ?? 100,
        fetchMaxBytes: o.fetchMaxBytes ?? 10 * 1024 * 1024,
        fetchMaxBytesPerPartition: o.fetchMaxBytesPerPartition ?? 1024 * 1024,
        outageTimeoutMs: o.kafkaOutageTimeoutMs ?? 120_000
      }, this.#topics, {
        onAssigned: a => this.#onAssigned(a),
        onRebalancing: () => this.#onRebalancing(),
        onCrash: (err, restart) => this.#onCrash(err, restart),
        onOutage: err => this.#onCrash(err, false)
      })
      await client.run(batch => this.#onBatch(batch))
    } catch (err) {
      const classified = isIntelligenceError(err) ? err : classifyKafkaError(err) ?? createError('IC_KAFKA_UNREACHABLE', (err as Error).message)
      this.#state = 'stopped'
      await this.#teardown()
      throw classified
    }
    this.#startedAt = Date.now()
    this.#state = 'running'
    this.#commitTimer = setInterval(() => { void this.#commit() }, this.#o.commitIntervalMs)
    this.#log.info({ topics: this.#topics, groupId: this.#o.groupId, maxInFlight: this.#o.maxInFlight, threads: this.#o.threads, ordering: this.#o.ordering },
      'consumer started')
  }

  /**
   * Graceful stop: stop fetching, let in-flight events finish (up to shutdownTimeoutMs), commit what is
   * finished, leave the group, close the pool. Idempotent: a second call returns the same promise.
   */
  stop (): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop (): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'stopped') {
      this.#state = 'stopped'
      return
    }
    this.#state = 'stopping'
    this.#log.info({ inFlight: this.#gate.inFlight, queued: this.#lanes.level().events }, 'stopping: draining in-flight events')
    this.#applyPause(true)
    // Queued events never started: forget them; they are uncommitted and will be delivered again.
    for (const { epoch, topic, partition } of this.#assignment.values()) this.#lanes.removePartition(`${tpKey(topic, partition)}#${epoch}`)
    const drained = await this.#waitInFlight(this.#o.shutdownTimeoutMs)
    if (!drained) {
      this.#log.warn({ abandoned: this.#gate.inFlight }, 'shutdown deadline reached; abandoning in-flight events (they stay uncommitted)')
    }
    if (this.#commitTimer !== undefined) clearInterval(this.#commitTimer)
    await this.#commit()
    await this.#teardown()
    this.#state = 'stopped'
    this.#log.info(this.#summary(), 'consumer stopped')
  }

  async #teardown (): Promise<void> {
    for (const t of this.#retryTimers) clearTimeout(t)
    this.#retryTimers.clear()
    this.#publisher?.close()
    await this.#client?.disconnectConsumer().catch(err => this.#log.warn({ err }, 'consumer disconnect failed'))
    await this.#client?.disconnectProducer().catch(err => this.#log.warn({ err }, 'producer disconnect failed'))
    await this.#pool?.close().catch(err => this.#log.warn({ err }, 'pool close failed'))
  }

  async #waitInFlight (timeoutMs: number): Promise<boolean> {
    if (this.#gate.inFlight === 0) return true
    return await settlesWithin(new Promise<void>(resolve => this.#inFlightIdle.push(resolve)), timeoutMs)
  }

  // ── Kafka callbacks ──────────────────────────────────────────────────────────────────────────────

  #onBatch (batch: FetchedBatch): void {
    if (this.#state !== 'running' && this.#state !== 'starting') return
    if (!batch.isCurrent()) return
    const tp = tpKey(batch.topic, batch.partition)
    const owner = this.#assignment.get(tp)
    if (owner === undefined) return
    this.#highWatermarks.set(tp, BigInt(batch.highWatermark))
    const partitionRef = `${tp}#${owner.epoch}`
    this.#fetched += batch.messages.length
    for (const m of batch.messages) {
      const offset = BigInt(m.offset)
      if (!this.#tracker.track(tp, offset)) {
        this.#duplicatesSkipped++
        continue
      }
      const size = m.value?.length ?? 0
      if (size > this.#o.maxPayloadBytes) {
        // Checked before anything parses or even copies it.
        this.#deadLetterDirect(batch.topic, batch.partition, tp, m.offset, offset, m.key, m.timestamp, size)
        continue
      }
      // Copied out of the fetch response: keeping a view would keep the whole response alive (PITFALLS
      // #10). The main thread keeps the copy for the dead-letter record if the worker dies. A value
      // too large to share a pool task runs alone: it goes to shared memory, which the worker reads
      // without another copy; smaller ones are copied into their task's shared buffer anyway.
      const value = size > DEFAULT_BATCH_LIMITS.maxBytes ? new Uint8Array(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size)
      if (m.value !== null) value.set(m.value)
      const event: PipelineEvent = {
        topic: batch.topic,
        partition: batch.partition,
        tp,
        partitionRef,
        offset,
        offsetText: m.offset,
        // A binary string keeps every byte (latin1 maps bytes 1:1): the dead-letter record rebuilds
        // the key from it, so the fetch buffer's key is not copied twice.
        key: m.key === null ? null : m.key.toString('latin1'),
        value,
        bytes: size,
        timestamp: m.timestamp,
        blockedAt: undefined,
        slot: -1,
        attempts: 0,
        acquiredAt: 0
      }
      if (this.#lanes.enqueue(event)) this.#markIfBlocked(event)
    }
    // resolveOffset moves the fetch position (PITFALLS #1): every event of the batch is ours now, or
    // finished (skipped, dead-lettered); commits follow the tracker, not this. Once per batch: kafkajs
    // parses the offset each time, and nothing between here and the loop above yields.
    const last = batch.messages[batch.messages.length - 1]
    if (last !== undefined) batch.resolveOffset(last.offset)
    this.#pump()
    this.#updatePause()
  }

  #onAssigned (assignment: Record<string, number[]>): void {
    const next = new Set<string>()
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) next.add(tpKey(topic, partition))
    }
    const revoked: string[] = []
    for (const [tp, a] of this.#assignment) {
      if (next.has(tp)) continue
      revoked.push(tp)
      this.#tracker.revoke(tp)
      this.#lanes.removePartition(`${tp}#${a.epoch}`)
      this.#highWatermarks.delete(tp)
      this.#assignment.delete(tp)
    }
    const added: string[] = []
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const tp = tpKey(topic, partition)
        if (this.#assignment.has(tp)) continue
        added.push(tp)
        this.#assignment.set(tp, { topic, partition, epoch: ++this.#epoch })
        this.#tracker.assign(tp)
      }
    }
    this.#assignedOnce = true
    this.#lostGroup = false
    this.#log.info({ assigned: [...next], added, revoked }, 'group joined')
    // Pause state survives a rebalance in kafkajs and is forgotten on a restart (PITFALLS #5): derive
    // it again from our own state for the whole new assignment.
    this.#applyPause(this.#paused)
    this.#pump()
    this.#updatePause()
  }

  #onRebalancing (): void {
    this.#log.info('group rebalancing; committing finished work')
    // Still the current generation until the join completes: commit what is finished so that the
    // next owner of a revoked partition redoes as little as possible. Best effort.
    void this.#commit()
  }

  #onCrash (err: Error, restart: boolean): void {
    if (restart) {
      this.#log.warn({ err }, 'kafka consumer crashed; it is restarted')
      return
    }
    if (this.#lostGroup) return
    this.#lostGroup = true
    const fatal = isIntelligenceError(err) ? err : classifyKafkaError(err) ?? createError('IC_KAFKA_CRASH', err.message)
    this.#log.fatal({ err, code: fatal.code }, fatal.message)
    if (this.#state === 'running' || this.#state === 'starting') {
      // With the cluster gone, the final commit and the disconnects can only time out: bound them, so
      // that the process ends right after the drain. Unfinished events stay uncommitted (redone later).
      void settlesWithin(this.stop(), this.#o.shutdownTimeoutMs + 5000).then(() => this.#options.onFatal?.(fatal))
    }
  }

  // ── scheduling ───────────────────────────────────────────────────────────────────────────────────

  /** A ready event that cannot take a slot now has found no free slot: count it, once. */
  #markIfBlocked (event: PipelineEvent): void {
    if (event.blockedAt !== undefined) return
    if (this.#lanes.peekReady() !== event || !this.#gate.canAcquire(event.bytes)) {
      event.blockedAt = performance.now()
      this.#gate.noteBlocked()
    }
  }

  /** Starts ready events while slots are free. */
  #pump (): void {
    if (this.#state !== 'running' && this.#state !== 'starting') return
    for (;;) {
      const head = this.#lanes.peekReady()
      if (head === undefined) return
      const slot = this.#gate.tryAcquire(head.bytes)
      if (slot === undefined) {
        this.#markIfBlocked(head)
        return
      }
      this.#lanes.startNext()
      const t = performance.now()
      if (head.blockedAt !== undefined) {
        const waited = t - head.blockedAt
        this.#gate.noteWaited(waited)
        for (const o of this.#observers) o.onBackpressureWait?.(waited)
        if (this.#log.isLevelEnabled('debug')) {
          this.#log.debug(`Backpressure applied: waited ${waited.toFixed(2)}ms to acquire processing slot`)
        }
      }
      head.slot = slot
      head.acquiredAt = t
      this.#running.add(head)
      this.#dispatch(head)
    }
  }

  #dispatch (event: PipelineEvent): void {
    const pool = this.#pool
    if (pool === undefined) return
    event.attempts++
    void pool.run({
      slot: event.slot,
      topic: event.topic,
      partition: event.partition,
      offset: event.offsetText,
      value: event.value,
      attempt: event.attempts
    }).then(({ output, timing }) => {
      this.#workerWait.record(timing.waitMs)
      this.#workerRun.record(timing.runMs)
      for (const o of this.#observers) o.onWorkerTiming?.(timing.waitMs, timing.runMs)
      this.#onOutput(event, output)
    })
  }

  #owned (event: PipelineEvent): boolean {
    return this.#assignment.get(event.tp)?.epoch !== undefined &&
      `${event.tp}#${this.#assignment.get(event.tp)?.epoch}` === event.partitionRef
  }

  #onOutput (event: PipelineEvent, output: TaskOutput): void {
    if (!this.#owned(event) || this.#publisher === undefined) {
      // The partition was revoked while this ran: the new owner redoes it; publish nothing.
      this.#finish(event, { handler: 'unknown', eventType: 'unknown', outcome: 'dropped' })
      return
    }
    if (output.kind === 'reply') {
      this.#publisher.publish({ topic: output.topic, key: output.key, value: output.value }).then(
        () => this.#finish(event, {
          handler: output.handler,
          eventType: output.eventType,
          outcome: output.errorResponse ? 'error_response' : 'processed'
        }),
        err => this.#abandon(event, err)
      )
      return
    }
    const spec = ERRORS[output.code]
    if (spec.canRetry && event.attempts <= this.#o.handlerRetries && this.#state === 'running') {
      this.#retries++
      const delay = Math.min(this.#o.retryBackoffMaxMs, this.#o.retryBackoffMs * 2 ** (event.attempts - 1))
      // Jitter keeps retries of a burst of failures from landing together.
      const timer = setTimeout(() => {
        this.#retryTimers.delete(timer)
        if (this.#owned(event) && this.#state === 'running') this.#dispatch(event)
        else this.#finish(event, { handler: output.handler ?? 'unknown', eventType: output.eventType ?? 'unknown', outcome: 'dropped' })
      }, delay * (0.5 + Math.random() / 2))
      this.#retryTimers.add(timer)
      this.#log.warn({ code: output.code, topic: event.topic, partition: event.partition, offset: event.offsetText, attempt: event.attempts, retryInMs: delay },
        'handler failed; retrying')
      return
    }
    this.#log.warn({ code: output.code, topic: event.topic, partition: event.partition, offset: event.offsetText, attempts: event.attempts, error: output.message },
      'event dead-lettered')
    this.#publishDeadLetter(event, output.code, output.message, output.handler, output.eventType)
  }

  #publishDeadLetter (event: PipelineEvent, code: ErrorCode, message: string, handler: string | undefined, eventType: string | undefined): void {
    const record = deadLetterRecord({
      topic: event.topic, partition: event.partition, offset: event.offsetText, timestamp: event.timestamp,
      key: event.key === null ? null : Buffer.from(event.key, 'latin1'), value: event.value, size: event.bytes, code, message, attempts: event.attempts, handler, eventType
    }, { suffix: this.#o.dlqSuffix, groupId: this.#o.groupId })
    this.#publisher?.publish(record).then(
      () => this.#finish(event, { handler: handler ?? 'none', eventType: eventType ?? 'unknown', outcome: 'dead_lettered', errorType: deadLetterType(code) }),
      err => this.#abandon(event, err)
    )
  }

  /** Oversized values never enter the pipeline: straight to the dead-letter topic, no slot taken. */
  #deadLetterDirect (topic: string, partition: number, tp: string, offsetText: string, offset: bigint, key: Buffer | null, timestamp: string, size: number): void {
    const code: ErrorCode = 'IC_EVENT_TOO_LARGE'
    const message = createError(code, size, this.#o.maxPayloadBytes).message
    this.#log.warn({ code, topic, partition, offset: offsetText, size }, 'event dead-lettered')
    const record = deadLetterRecord({
      topic, partition, offset: offsetText, timestamp, key: key === null ? null : Buffer.from(key), value: undefined, size, code, message, attempts: 0
    }, { suffix: this.#o.dlqSuffix, groupId: this.#o.groupId })
    const started = performance.now()
    this.#publisher?.publish(record).then(() => {
      if (this.#tracker.finish(tp, offset)) this.#countFinished({ handler: 'none', eventType: 'unknown', outcome: 'dead_lettered', errorType: 'payload_too_large', topic, durationMs: performance.now() - started })
    }, () => { /* abandoned at shutdown: stays uncommitted */ })
  }

  /** The publisher was closed (shutdown deadline) before the outcome was acknowledged. */
  #abandon (event: PipelineEvent, err: unknown): void {
    if (!(err instanceof PublisherClosedError)) this.#log.error({ err }, 'unexpected publish failure')
    this.#release(event)
  }

  #finish (event: PipelineEvent, r: { handler: string, eventType: string, outcome: Outcome, errorType?: string }): void {
    const owned = r.outcome !== 'dropped' && this.#tracker.finish(event.tp, event.offset)
    const durationMs = performance.now() - event.acquiredAt
    this.#release(event)
    if (!owned) {
      this.#dropped++
      return
    }
    this.#countFinished({ ...r, topic: event.topic, durationMs })
  }

  #countFinished (e: EventFinished): void {
    this.#lastEventAt = Date.now()
    this.#processingMs += e.durationMs
    if (e.outcome === 'dead_lettered') {
      this.#failed++
      this.#dlqRouted++
      const type = e.errorType ?? 'handler_error'
      this.#deadByType.set(type, (this.#deadByType.get(type) ?? 0) + 1)
    } else {
      this.#processed++
      if (e.outcome === 'error_response') this.#errorResponses++
    }
    for (const o of this.#observers) o.onEventFinished?.(e)
  }

  /** Gives the slot back, frees the lane for the next event of the same key/partition, and pumps. */
  #release (event: PipelineEvent): void {
    if (!this.#running.delete(event)) return
    this.#gate.release(event.slot, event.bytes)
    const next = this.#lanes.finish(event)
    if (next !== undefined) this.#markIfBlocked(next)
    if (this.#gate.inFlight === 0) this.#inFlightIdle.splice(0).forEach(w => w())
    this.#pump()
    this.#updatePause()
  }

  // ── pause / resume ───────────────────────────────────────────────────────────────────────────────

  #updatePause (): void {
    if (this.#state !== 'running' && this.#state !== 'starting') return
    const want = shouldPause(this.#paused, this.#lanes.level(), this.#marks)
    if (want !== this.#paused) this.#applyPause(want)
  }

  #assignedTopicPartitions (): TopicPartitions[] {
    const byTopic = new Map<string, number[]>()
    for (const { topic, partition } of this.#assignment.values()) {
      let list = byTopic.get(topic)
      if (list === undefined) byTopic.set(topic, list = [])
      list.push(partition)
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
  }

  #applyPause (pause: boolean): void {
    if (pause !== this.#paused) {
      this.#paused = pause
      this.#pausedSince = pause ? Date.now() : undefined
      if (pause) this.#pauses++
      const level = this.#lanes.level()
      this.#log.debug({ queued: level.events, queuedBytes: level.bytes, inFlight: this.#gate.inFlight }, pause ? 'partitions paused' : 'partitions resumed')
    }
    if (this.#client === undefined) return
    try {
      const tps = this.#assignedTopicPartitions()
      if (pause) this.#client.pause(tps)
      else this.#client.resume(tps)
    } catch (err) {
      // Throws while the group re-initialises; the next join re-applies it.
      this.#log.debug({ err }, 'pause/resume deferred to the next group join')
    }
  }

  // ── commits ──────────────────────────────────────────────────────────────────────────────────────

  /** Commits, for partitions still owned, the first unfinished offset when it moved. One at a time. */
  async #commit (): Promise<void> {
    if (this.#committing !== undefined) return this.#committing
    const client = this.#client
    if (client === undefined) return
    const offsets = this.#tracker.commitable()
      .filter(o => this.#assignment.has(o.tp))
      .map(o => {
        const a = this.#assignment.get(o.tp) as { topic: string, partition: number }
        return { tp: o.tp, topic: a.topic, partition: a.partition, offset: o.offset }
      })
    if (offsets.length === 0) return
    this.#committing = client.commit(offsets.map(o => ({ topic: o.topic, partition: o.partition, offset: o.offset.toString() })))
      .then(() => {
        for (const o of offsets) this.#tracker.committed(o.tp, o.offset)
      }, (err: unknown) => {
        this.#log.warn({ err }, 'commit failed; retried at the next interval')
      })
      .finally(() => { this.#committing = undefined })
    return this.#committing
  }

  /** Commits finished work now (tests and embedders; the service commits on an interval). */
  async commit (): Promise<void> { await this.#commit() }

  // ── metrics ──────────────────────────────────────────────────────────────────────────────────────

  #summary (): Record<string, number> {
    return { processed: this.#processed, failed: this.#failed, dlqRouted: this.#dlqRouted, duplicatesSkipped: this.#duplicatesSkipped, dropped: this.#dropped }
  }

  /** Whether the consumer is connected, has an assignment and its pool is up (readiness). */
  isReady (): boolean {
    return this.#state === 'running' && this.#assignedOnce && !this.#lostGroup && this.#pool !== undefined
  }

  /** The old service's get_metrics() keys, same meanings (README.md#metrics), plus ours. */
  getMetrics (): ConsumerMetrics {
    const g = this.#gate.snapshot()
    const finished = this.#processed + this.#failed
    const uptime = this.#startedAt === undefined ? 0 : (Date.now() - this.#startedAt) / 1000
    const level = this.#lanes.level()
    const pool = this.#pool?.stats()
    const figures = backpressureFigures(g.maxInFlightReached, g.totalWaitMs, finished)
    return {
      current_in_flight: g.inFlight,
      max_concurrent_events: g.maxConcurrent,
      max_in_flight_reached: g.maxInFlightReached,
      total_backpressure_wait_time_ms: g.totalWaitMs,
      avg_backpressure_wait_ms: figures.avgWaitMs,
      backpressure_percentage: figures.percentage,
      max_in_flight_limit: g.maxInFlight,
      events_processed: this.#processed,
      events_failed: this.#failed,
      dlq_routed: this.#dlqRouted,
      total_processing_time_ms: this.#processingMs,
      avg_processing_time_ms: finished === 0 ? 0 : this.#processingMs / finished,
      events_per_second: uptime === 0 ? 0 : finished / uptime,
      uptime_seconds: uptime,
      last_event_timestamp: this.#lastEventAt === undefined ? null : new Date(this.#lastEventAt).toISOString(),
      consumer_started_at: this.#startedAt === undefined ? null : new Date(this.#startedAt).toISOString(),
      is_running: this.#state === 'running',
      handlers_registered: this.#routes.length,
      in_flight_bytes: g.inFlightBytes,
      max_in_flight_bytes: g.maxInFlightBytes,
      queue_depth: level.events,
      queue_bytes: level.bytes,
      error_responses: this.#errorResponses,
      retries: this.#retries,
      duplicates_skipped: this.#duplicatesSkipped,
      events_fetched: this.#fetched,
      results_dropped: this.#dropped,
      dead_letters_by_type: Object.fromEntries(this.#deadByType),
      publish_pending: this.#publisher?.pending ?? 0,
      ordering: this.#o.ordering,
      pool: {
        threads: pool?.threads ?? 0,
        queue_size: pool?.queueSize ?? 0,
        utilization: pool?.utilization ?? 0,
        running: pool?.running ?? 0,
        peak_running: pool?.peakRunning ?? 0,
        workers_replaced: pool?.workersReplaced ?? 0,
        tasks_rerun: pool?.tasksRerun ?? 0,
        tasks_posted: pool?.tasksPosted ?? 0,
        events_posted: pool?.eventsPosted ?? 0
      },
      worker_wait_ms: this.#workerWait.summary(),
      worker_run_ms: this.#workerRun.summary(),
      paused: {
        paused: this.#paused,
        reason: this.#paused ? `queue reached the high-water mark (${this.#marks.highEvents} events${this.#marks.highBytes > 0 ? ` or ${this.#marks.highBytes} bytes` : ''}); resumes at ${this.#marks.lowEvents}` : null,
        since: this.#pausedSince === undefined ? null : new Date(this.#pausedSince).toISOString(),
        times: this.#pauses,
        partitions: this.#paused ? [...this.#assignment.keys()] : []
      },
      partitions: this.#tracker.describe().map(p => {
        const hw = this.#highWatermarks.get(p.tp)
        const a = this.#assignment.get(p.tp)
        return {
          topic: a?.topic ?? p.tp,
          partition: a?.partition ?? -1,
          committed_offset: p.committed === undefined ? null : p.committed.toString(),
          high_watermark: hw === undefined ? null : hw.toString(),
          lag: hw === undefined ? null : Number(hw - (p.committed ?? p.position ?? hw)),
          pending: p.pending
        }
      })
    }
  }
}

export interface ConsumerMetrics {
  current_in_flight: number
  max_concurrent_events: number
  max_in_flight_reached: number
  total_backpressure_wait_time_ms: number
  avg_backpressure_wait_ms: number
  backpressure_percentage: number
  max_in_flight_limit: number
  events_processed: number
  events_failed: number
  dlq_routed: number
  total_processing_time_ms: number
  avg_processing_time_ms: number
  events_per_second: number
  uptime_seconds: number
  last_event_timestamp: string | null
  consumer_started_at: string | null
  is_running: boolean
  handlers_registered: number
  in_flight_bytes: number
  max_in_flight_bytes: number
  queue_depth: number
  queue_bytes: number
  error_responses: number
  retries: number
  duplicates_skipped: number
  /** Records taken from fetch responses (before any check): shows fetching stopping while paused. */
  events_fetched: number
  results_dropped: number
  dead_letters_by_type: Record<string, number>
  publish_pending: number
  ordering: Ordering
  /** tasks_rerun: events lost with a worker killed by another event (unstarted, or finished with the answer unread), run
   * again; tasks_posted / events_posted: Piscina tasks and the events they carried (quick events share tasks). */
  pool: { threads: number, queue_size: number, utilization: number, running: number, peak_running: number, workers_replaced: number, tasks_rerun: number, tasks_posted: number, events_posted: number }
  worker_wait_ms: { count: number, p50: number, p99: number, max: number, mean: number }
  worker_run_ms: { count: number, p50: number, p99: number, max: number, mean: number }
  paused: { paused: boolean, reason: string | null, since: string | null, times: number, partitions: string[] }
  partitions: Array<{ topic: string, partition: number, committed_offset: string | null, high_watermark: string | null, lag: number | null, pending: number }>
}
