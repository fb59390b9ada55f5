// The only file that imports kafkajs (unmaintained, PITFALLS #12): a later move to another client
// touches this file alone. It exposes what the pipeline needs and nothing of kafkajs' types.
//
// kafkajs facts this adapter is shaped by (PITFALLS):
// - autoCommit is off: commits are explicit {topic, partition, offset} of *finished* work (#2, #9).
// - eachBatch hands the messages over and returns; it never waits on the pool (#3, #7).
// - all-paused fetch loops sleep maxWaitTimeInMs, so it is kept low for resume to bite (#4).
// - the CRASH event with restart=false is fatal and surfaced (#8), except for the errors that only
//   mean "no broker answered" while the outage is within its budget: see restartsAfterCrash().

import kafkajs, { type SASLOptions } from 'kafkajs'
import type { Logger } from 'pino'
import { createError, IntelligenceError } from '../errors.js'
import { partitionForKey } from './partitioner.js'

const { Kafka, logLevel: KafkaLogLevel, Partitioners } = kafkajs
type KafkaConsumer = ReturnType<InstanceType<typeof Kafka>['consumer']>
type KafkaProducer = ReturnType<InstanceType<typeof Kafka>['producer']>
type KafkaAdmin = ReturnType<InstanceType<typeof Kafka>['admin']>
type Partitioner = ReturnType<typeof Partitioners.DefaultPartitioner>

/** The Java client's default partitioner (so is kafkajs'), with a keyed record's hash computed in
 * 32-bit arithmetic (./partitioner.ts) instead of kafkajs' Long emulation; the rest is kafkajs'. */
function javaCompatiblePartitioner (): Partitioner {
  const fallback = Partitioners.DefaultPartitioner()
  return args => {
    const { message, partitionMetadata } = args
    if (message.partition == null && message.key != null && partitionMetadata.length > 0) return partitionForKey(message.key, partitionMetadata.length)
    return fallback(args)
  }
}

export interface KafkaConnection {
  readonly brokers: readonly string[]
  readonly clientId: string
  readonly connectionTimeoutMs: number
  readonly requestTimeoutMs: number
  /** Retries of a failed connection or request before giving up (then the service exits loudly). */
  readonly retries: number
  readonly sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', username: string, password: string } | undefined
  readonly ssl?: { ca?: string[], cert?: string, key?: string, passphrase?: string, rejectUnauthorized: boolean } | boolean | undefined
}

export interface KafkaConsumerOptions {
  readonly groupId: string
  readonly fromBeginning: boolean
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  readonly rebalanceTimeoutMs: number
  readonly fetchMaxWaitMs: number
  readonly fetchMaxBytes: number
  readonly fetchMaxBytesPerPartition: number
  /** How long the cluster may stay silent (no request of ours answered) before the consumer gives up:
   * kafkajs is no longer restarted after a crash, and a watchdog reports the outage even when kafkajs
   * is still sleeping between its own retries. */
  readonly outageTimeoutMs: number
}

export interface FetchedMessage {
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: string
}

export interface FetchedBatch {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: string
  readonly messages: readonly FetchedMessage[]
  /** Moves the fetch position past this offset (it does not commit). */
  resolveOffset (offset: string): void
  /** False once the batch belongs to a previous assignment (rebalance) or the consumer stops. */
  isCurrent (): boolean
}

export interface TopicPartitions { readonly topic: string, readonly partitions: readonly number[] }
export interface CommitOffset { readonly topic: string, readonly partition: number, readonly offset: string }
export interface OutgoingRecord { readonly topic: string, readonly key: Buffer | string | null, readonly value: Buffer | string }

export interface ConsumerEvents {
  /** A (re)join completed with this assignment: topic → partitions. */
  onAssigned (assignment: Record<string, number[]>): void
  /** The group started rebalancing (this member may lose partitions). */
  onRebalancing (): void
  /** kafkajs crashed; `restart` false means it will not come back. */
  onCrash (error: Error, restart: boolean): void
  /** The cluster answered nothing for longer than the outage budget: the consumer should give up. */
  onOutage (error: IntelligenceError): void
}

function kafkaLogCreator (logger: Logger) {
  return () => ({ namespace, level, log }: { namespace: string, level: number, log: Record<string, unknown> & { message: string } }) => {
    const { message, timestamp: _t, logger: _l, ...rest } = log
    const fields = { kafkajs: namespace, ...rest }
    // We bound the producer's retries on purpose: the publisher retries for ever above it and logs
    // each failure, and at-least-once tolerates the duplicate a late retry can cause.
    if (message.startsWith('Limiting retries for the idempotent producer')) return logger.debug(fields, message)
    // kafkajs logs every pause, resume and join at INFO; the pipeline logs what matters itself.
    if (level === KafkaLogLevel.ERROR) logger.error(fields, message)
    else if (level === KafkaLogLevel.WARN) logger.warn(fields, message)
    else logger.debug(fields, message)
  }
}

/** Kafka protocol error types that mean "these credentials or this mechanism are refused". */
const SASL_ERROR_TYPES = new Set(['SASL_AUTHENTICATION_FAILED', 'UNSUPPORTED_SASL_MECHANISM', 'ILLEGAL_SASL_STATE'])

/** Maps a kafkajs connection error to the catalogue (authentication and reachability are fatal). */
export function classifyKafkaError (err: unknown): IntelligenceError | undefined {
  const e = err as { name?: string, message?: string, type?: string }
  if (e?.name === 'KafkaJSSASLAuthenticationError' || (e?.type !== undefined && SASL_ERROR_TYPES.has(e.type))) {
    return new IntelligenceError('IC_KAFKA_AUTH', [e.message ?? String(err)], { cause: err })
  }
  if (e?.name === 'KafkaJSNumberOfRetriesExceeded' || e?.name === 'KafkaJSConnectionError' ||
      e?.name === 'KafkaJSNonRetriableError' || e?.name === 'KafkaJSBrokerNotFound') {
    return new IntelligenceError('IC_KAFKA_UNREACHABLE', [e.message ?? String(err)], { cause: err })
  }
  return undefined
}

/**
 * kafkajs gives up for good on these although, during an outage, they only say that no broker
 * answered: the coordinator lookup fails with KafkaJSGroupCoordinatorNotFound (non-retriable) when
 * every broker refused the connection. Seen ending the service 20 s into an outage with a 45 s budget.
 */
const OUTAGE_ERRORS = new Set(['KafkaJSGroupCoordinatorNotFound', 'KafkaJSBrokerNotFound', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError'])

/**
 * Whether the consumer is restarted by us after kafkajs crashed without restarting it itself. kafkajs
 * wraps the error that ended its retries (KafkaJSNonRetriableError, cause → cause → original), so the
 * innermost cause decides.
 */
export function restartsAfterCrash (error: { name?: string, cause?: unknown }, kafkajsRestarts: boolean, silentMs: number, outageBudgetMs: number): boolean {
  let original = error
  for (let depth = 0; original.cause instanceof Error && depth < 10; depth++) original = original.cause
  return !kafkajsRestarts && OUTAGE_ERRORS.has(original.name ?? '') && silentMs < outageBudgetMs
}

export class KafkaClient {
  readonly #kafka: InstanceType<typeof Kafka>
  readonly #logger: Logger
  readonly #retries: number
  #consumer: KafkaConsumer | undefined
  #producer: KafkaProducer | undefined
  /** When the cluster last answered a request of ours (consumer, producer or probe): the outage clock.
   * Fetch events are no evidence: kafkajs emits them for fetches that never reached a broker. */
  #lastAnswer = Date.now()
  #watchdog: NodeJS.Timeout | undefined
  #probing = false
  #runConfig: Parameters<KafkaConsumer['run']>[0] | undefined
  #restartTimer: NodeJS.Timeout | undefined
  #restarts = 0
  readonly #answered = (): void => { this.#lastAnswer = Date.now() }

  constructor (conn: KafkaConnection, logger: Logger) {
    this.#logger = logger
    this.#retries = conn.retries
    this.#kafka = new Kafka({
      brokers: [...conn.brokers],
      clientId: conn.clientId,
      connectionTimeout: conn.connectionTimeoutMs,
      requestTimeout: conn.requestTimeoutMs,
      retry: { retries: conn.retries },
      ...(conn.sasl !== undefined ? { sasl: conn.sasl as SASLOptions } : {}),
      ...(conn.ssl !== undefined ? { ssl: conn.ssl } : {}),
      logLevel: KafkaLogLevel.INFO,
      logCreator: kafkaLogCreator(logger)
    })
  }

  /** Connects an idempotent producer (acks = all): an outcome counts only once the broker has it. */
  async connectProducer (): Promise<void> {
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's partitioner: responses keyed by correlation id land where Java producers put them.
      createPartitioner: javaCompatiblePartitioner
    })
    producer.on(producer.events.REQUEST, this.#answered)
    await producer.connect()
    this.#producer = producer
  }

  /** Sends records in one request per broker; resolves once every one is acknowledged by all ISRs. */
  async send (records: readonly OutgoingRecord[]): Promise<void> {
    if (this.#producer === undefined) throw new Error('producer not connected')
    const byTopic = new Map<string, Array<{ key: Buffer | string | null, value: Buffer | string }>>()
    for (const r of records) {
      let list = byTopic.get(r.topic)
      if (list === undefined) byTopic.set(r.topic, list = [])
      list.push({ key: r.key, value: r.value })
    }
    await this.#producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages }))
    })
  }

  async connectConsumer (opts: KafkaConsumerOptions, topics: readonly string[], events: ConsumerEvents): Promise<void> {
    const consumer = this.#kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs,
      heartbeatInterval: opts.heartbeatIntervalMs,
      rebalanceTimeout: opts.rebalanceTimeoutMs,
      maxWaitTimeInMs: opts.fetchMaxWaitMs,
      maxBytes: opts.fetchMaxBytes,
      maxBytesPerPartition: opts.fetchMaxBytesPerPartition,
      allowAutoTopicCreation: false,
      retry: {
        retries: this.#retries,
        // Called when a retriable failure exhausted its retries: restart while the outage is young.
        restartOnFailure: async () => Date.now() - this.#lastAnswer < opts.outageTimeoutMs
      }
    })
    consumer.on(consumer.events.REQUEST, this.#answered)
    consumer.on(consumer.events.GROUP_JOIN, e => {
      this.#restarts = 0
      events.onAssigned(e.payload.memberAssignment)
    })
    consumer.on(consumer.events.REBALANCING, () => events.onRebalancing())
    consumer.on(consumer.events.CRASH, e => {
      const { error, restart } = e.payload
      if (restartsAfterCrash(error, restart, Date.now() - this.#lastAnswer, opts.outageTimeoutMs)) {
        events.onCrash(error, true)
        this.#restartLater(consumer, opts.outageTimeoutMs)
      } else {
        events.onCrash(error, restart)
      }
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [...topics], fromBeginning: opts.fromBeginning })
    this.#consumer = consumer
    this.#watch(opts.outageTimeoutMs, events)
  }

  /**
   * The outage watchdog. kafkajs alone reports a dead cluster only when a crash exhausts its retries,
   * which can take minutes after the budget (its backoff sleeps up to 30 s per retry). While the
   * cluster has been silent for a while (a paused consumer still heartbeats every few seconds), a
   * probe asks it directly: an answer restarts the clock, so a cluster that is back is noticed even
   * while kafkajs still sleeps. Past the budget the consumer is told to give up.
   */
  #watch (budgetMs: number, events: ConsumerEvents): void {
    const every = Math.min(1000, Math.max(50, Math.floor(budgetMs / 20)))
    const probeAfterMs = Math.min(5000, budgetMs / 4)
    this.#watchdog = setInterval(() => {
      const silentMs = Date.now() - this.#lastAnswer
      if (silentMs > budgetMs) {
        clearInterval(this.#watchdog)
        this.#watchdog = undefined
        events.onOutage(createError('IC_KAFKA_UNREACHABLE', `the cluster answered nothing for ${silentMs} ms (outage budget ${budgetMs} ms)`))
      } else if (silentMs > probeAfterMs && !this.#probing) {
        this.#probing = true
        void this.#probe().finally(() => { this.#probing = false })
      }
    }, every)
    this.#watchdog.unref()
  }

  /**
   * Runs the crashed consumer again (kafkajs keeps its subscriptions; the next join re-applies the
   * pipeline's pause state), with a backoff that doubles up to 5 s, until it runs or the outage
   * budget is spent; past the budget the watchdog reports the outage.
   */
  #restartLater (consumer: KafkaConsumer, budgetMs: number): void {
    if (this.#consumer !== consumer || this.#restartTimer !== undefined) return
    const delay = Math.min(5000, 250 * 2 ** Math.min(this.#restarts++, 5))
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined
      if (this.#consumer !== consumer || this.#runConfig === undefined) return
      this.#logger.warn({ attempt: this.#restarts }, 'restarting the kafka consumer after an outage crash')
      consumer.connect().then(async () => await consumer.run(this.#runConfig)).catch((err: Error) => {
        if (Date.now() - this.#lastAnswer < budgetMs) {
          this.#logger.warn({ err }, 'consumer restart failed; trying again')
          this.#restartLater(consumer, budgetMs)
        }
      })
    }, delay)
  }

  /** One metadata round trip on a short-lived admin client without retries; an answer resets the clock. */
  async #probe (): Promise<void> {
    const admin = this.#kafka.admin({ retry: { retries: 0 } })
    try {
      await admin.connect()
      await admin.describeCluster()
      this.#answered()
    } catch {
      // Still silent: the watchdog decides.
    } finally {
      await admin.disconnect().catch(() => {})
    }
  }

  /** Starts the fetch loop; `onBatch` must only enqueue and return (it is awaited by kafkajs). */
  async run (onBatch: (batch: FetchedBatch) => void): Promise<void> {
    const consumer = this.#requireConsumer()
    this.#runConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
        onBatch({
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: batch.highWatermark,
          messages: batch.messages,
          resolveOffset,
          isCurrent: () => isRunning() && !isStale()
        })
      }
    }
    await consumer.run(this.#runConfig)
  }

  /** Pauses fetching; throws while the group is re-initialising (callers re-apply on the next join). */
  pause (tps: readonly TopicPartitions[]): void {
    if (tps.length > 0) this.#requireConsumer().pause(tps.map(t => ({ topic: t.topic, partitions: [...t.partitions] })))
  }

  resume (tps: readonly TopicPartitions[]): void {
    if (tps.length > 0) this.#requireConsumer().resume(tps.map(t => ({ topic: t.topic, partitions: [...t.partitions] })))
  }

  async commit (offsets: readonly CommitOffset[]): Promise<void> {
    if (offsets.length > 0) await this.#requireConsumer().commitOffsets(offsets.map(o => ({ ...o })))
  }

  /** Stops fetching and leaves the group. Commit before: after stop() kafkajs ignores commits (#9). */
  async disconnectConsumer (): Promise<void> {
    clearInterval(this.#watchdog)
    this.#watchdog = undefined
    clearTimeout(this.#restartTimer)
    this.#restartTimer = undefined
    const consumer = this.#consumer
    this.#consumer = undefined
    if (consumer !== undefined) await consumer.disconnect()
  }

  async disconnectProducer (): Promise<void> {
    const producer = this.#producer
    this.#producer = undefined
    if (producer !== undefined) await producer.disconnect()
  }

  /** Topics of `wanted` that the cluster does not have (or does not show this user). */
  async missingTopics (wanted: readonly string[]): Promise<string[]> {
    const admin = this.#kafka.admin()
    await admin.connect()
    try {
      const existing = new Set(await admin.listTopics())
      return [...new Set(wanted)].filter(t => !existing.has(t))
    } finally {
      await admin.disconnect()
    }
  }

  /** An admin client for topic creation and lag queries (scripts, tests, benchmarks). */
  admin (): KafkaAdmin {
    return this.#kafka.admin()
  }

  #requireConsumer (): KafkaConsumer {
    if (this.#consumer === undefined) throw createError('IC_KAFKA_CRASH', 'consumer is not connected')
    return this.#consumer
  }
}
