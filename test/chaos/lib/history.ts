// The history a chaos scenario is judged by. Every produced event carries a unique id as its record key
// (and, for good events, as its correlation_id, which keys the response); a dead letter keeps the
// original key. So: answered ∪ dead-lettered must cover every produced id (lost = 0), duplicates are
// counted, and committed offsets, sampled while the scenario runs, must never go backwards and must
// end at the end of every partition.
import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'

const { Kafka, logLevel } = kafkajs
type KafkaClient = InstanceType<typeof Kafka>

/** CHAOS_SCALE multiplies counts and durations (npm run soak raises it); 1 is the CI size. */
export const SCALE = Math.max(1, Number(process.env.CHAOS_SCALE ?? '1'))
export const scaled = (n: number): number => Math.round(n * SCALE)

export interface Outcome {
  produced: number
  answered: number
  deadLettered: number
  lost: number
  duplicates: number
  /** Dead-lettered ids by error_type. */
  errorTypes: Map<string, Set<string>>
  /** Ids answered by a response, each once. */
  answeredIds: Set<string>
}

/** The one summary line of a scenario; `kills` (processes killed or restarted, 0 if none) is always there. */
export function summary (scenario: string, o: Outcome, extra: Record<string, number | string> = {}): string {
  const { kills = 0, ...rest } = extra
  const more = Object.entries(rest).map(([k, v]) => ` ${k}=${v}`).join('')
  return `scenario=${scenario} produced=${o.produced} answered=${o.answered} dead_lettered=${o.deadLettered} lost=${o.lost} duplicates=${o.duplicates} kills=${kills}${more}`
}

export class History {
  readonly kafka: KafkaClient
  readonly requestTopic: string
  readonly responseTopic: string
  readonly dlqTopic: string
  readonly groupId: string
  readonly ids: string[] = []
  readonly #offsetViolations: string[] = []
  #lastCommitted = new Map<number, bigint>()
  #sampler: NodeJS.Timeout | undefined
  #sampling: Promise<void> = Promise.resolve()

  constructor (brokers: string[], prefix: string) {
    // Enough retries to ride out a leader election (a broker just created a topic, or just restarted),
    // with short backoffs so that a check against a broker that is down fails within seconds.
    this.kafka = new Kafka({ brokers, clientId: 'chaos', logLevel: logLevel.NOTHING, retry: { retries: 8, maxRetryTime: 2000 } })
    const id = randomUUID().slice(0, 8)
    this.requestTopic = `chaos-${prefix}-${id}-req`
    this.responseTopic = `chaos-${prefix}-${id}-resp`
    this.dlqTopic = this.requestTopic + '.dlq'
    this.groupId = `chaos-${prefix}-${id}-group`
  }

  async createTopics (partitions: number, extra: string[] = []): Promise<void> {
    // Retried: a broker that has just started (scenario 3) answers UNKNOWN_TOPIC_OR_PARTITION or
    // NOT_LEADER while leaders are elected. Creating topics that already exist is a no-op.
    await waitFor(async () => {
      await this.#admin(admin => admin.createTopics({
        waitForLeaders: true,
        topics: [this.requestTopic, this.responseTopic, this.dlqTopic, ...extra].map(topic => ({ topic, numPartitions: partitions }))
      }))
      return true
    }, 60_000, 'topics created')
  }

  /** Produces events; `value(id, i)` builds each value (a request envelope or poison). */
  async produce (n: number, value: (id: string, i: number) => string | Buffer, chunk = 500): Promise<void> {
    // Idempotent: a plain producer that retries a send after a timeout or a leader change (a busy machine,
    // a broker just started) writes the same records twice, and duplicated requests would be counted as
    // duplicated answers. Seen here: 659 records for 400 ids on a freshly started broker.
    const producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    try {
      for (let start = 0; start < n; start += chunk) {
        const messages = []
        for (let i = start; i < Math.min(n, start + chunk); i++) {
          const id = randomUUID()
          this.ids.push(id)
          messages.push({ key: id, value: value(id, i) })
        }
        await producer.send({ topic: this.requestTopic, acks: -1, messages })
      }
    } finally {
      await producer.disconnect()
    }
  }

  /** Samples the group's committed offsets every `everyMs`, recording any that goes backwards. */
  startOffsetWatch (everyMs = 250): void {
    this.#sampler = setInterval(() => {
      this.#sampling = this.#sampling.then(async () => {
        const now = await this.committed().catch(() => undefined)
        if (now === undefined) return
        for (const [p, o] of now) {
          const before = this.#lastCommitted.get(p)
          if (before !== undefined && o < before) this.#offsetViolations.push(`partition ${p}: ${before} -> ${o}`)
          if (o >= 0n) this.#lastCommitted.set(p, o)
        }
      })
    }, everyMs)
    // A scenario that fails before stopOffsetWatch() must not be kept alive by the sampler until tap's timeout.
    this.#sampler.unref()
  }

  async stopOffsetWatch (): Promise<string[]> {
    clearInterval(this.#sampler)
    await this.#sampling
    return [...this.#offsetViolations]
  }

  async committed (): Promise<Map<number, bigint>> {
    return this.#admin(async admin => {
      const [res] = await admin.fetchOffsets({ groupId: this.groupId, topics: [this.requestTopic] })
      return new Map((res?.partitions ?? []).map(p => [p.partition, BigInt(p.offset)]))
    })
  }

  async endOffsets (topic = this.requestTopic): Promise<Map<number, bigint>> {
    return this.#admin(async admin => new Map((await admin.fetchTopicOffsets(topic)).map(p => [p.partition, BigInt(p.high)])))
  }

  /** Sum of end offsets: how many records a topic holds (topics here are never truncated). */
  async count (topic: string): Promise<number> {
    let n = 0
    for (const high of (await this.endOffsets(topic)).values()) n += Number(high)
    return n
  }

  /** Sum over partitions of the committed offset (what a restart would not redo). */
  async committedTotal (): Promise<number> {
    let n = 0
    for (const o of (await this.committed()).values()) n += o > 0n ? Number(o) : 0
    return n
  }

  /** True once the group has committed the end of every partition. */
  async fullyCommitted (): Promise<boolean> {
    const [committed, end] = await Promise.all([this.committed(), this.endOffsets()])
    for (const [p, high] of end) if ((committed.get(p) ?? -1n) !== high) return false
    return true
  }

  /** Reads the response and dead-letter topics to their current end and judges the history. */
  async outcome (): Promise<Outcome> {
    const responses = await this.#readAll(this.responseTopic)
    const dead = await this.#readAll(this.dlqTopic)
    const produced = new Set(this.ids)
    const answeredIds = new Set<string>()
    const deadIds = new Set<string>()
    const errorTypes = new Map<string, Set<string>>()
    for (const r of responses) if (r.key !== null) answeredIds.add(r.key)
    for (const d of dead) {
      if (d.key === null) continue
      deadIds.add(d.key)
      const type = (JSON.parse(d.value) as { error_type: string }).error_type
      let set = errorTypes.get(type)
      if (set === undefined) errorTypes.set(type, set = new Set())
      set.add(d.key)
    }
    let lost = 0
    for (const id of produced) if (!answeredIds.has(id) && !deadIds.has(id)) lost++
    return {
      produced: produced.size,
      answered: answeredIds.size,
      deadLettered: deadIds.size,
      lost,
      duplicates: responses.length + dead.length - new Set([...answeredIds, ...deadIds]).size,
      errorTypes,
      answeredIds
    }
  }

  async #readAll (topic: string): Promise<Array<{ key: string | null, value: string }>> {
    const end = await this.endOffsets(topic)
    let remaining = 0
    for (const high of end.values()) remaining += Number(high)
    const out: Array<{ key: string | null, value: string }> = []
    if (remaining === 0) return out
    const consumer = this.kafka.consumer({ groupId: `chaos-reader-${randomUUID()}`, maxWaitTimeInMs: 100 })
    await consumer.connect()
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${remaining} records of ${topic}`)), 120_000)
        void consumer.run({
          eachMessage: async ({ message }) => {
            out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '' })
            if (out.length >= remaining) { clearTimeout(timer); resolve() }
          }
        })
      })
    } finally {
      await consumer.disconnect()
    }
    return out
  }

  async #admin<T> (f: (admin: ReturnType<KafkaClient['admin']>) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin()
    await admin.connect()
    try {
      return await f(admin)
    } finally {
      await admin.disconnect()
    }
  }
}

/** A request envelope for `id` (its correlation_id, so the response is keyed by it). */
export function requestFor (id: string, payload: Record<string, unknown>): string {
  return JSON.stringify({ event_id: randomUUID(), correlation_id: id, payload })
}

export const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/**
 * Polls `check` until true; throws `what` after timeoutMs. A check that throws counts as "not yet": the
 * checks query the broker, which answers NOT_LEADER_FOR_PARTITION for a while after it (re)starts.
 */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      if (await check()) return
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? '' : ` (last check failed: ${(lastError as Error).message})`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`)
    }
    await sleep(100)
  }
}

const OTHER_BUILTINS = ['VALIDATE', 'ANALYZE', 'PATTERN', 'MIXIN'] as const

/**
 * The environment for `node dist/main.js` with the history's topics on the synthetic CPU handler; the
 * other built-in handlers get topics of their own (the service checks every topic exists at start).
 */
export async function serviceEnv (h: History, brokers: string[], partitions: number, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {
    KAFKA_BOOTSTRAP_SERVERS: brokers.join(','),
    KAFKA_CONSUMER_GROUP: h.groupId,
    KAFKA_BENCH_CPU_REQUEST: h.requestTopic,
    KAFKA_BENCH_CPU_RESPONSE: h.responseTopic,
    KAFKA_COMMIT_INTERVAL_MS: '200',
    // The broker's smallest session: a killed member is noticed in seconds, not the default 30.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
    KAFKA_REBALANCE_TIMEOUT_MS: '10000',
    LOG_LEVEL: 'info'
  }
  const extra: string[] = []
  for (const name of OTHER_BUILTINS) {
    const req = `${h.requestTopic}-${name.toLowerCase()}`
    out[`KAFKA_CODEGEN_${name}_REQUEST`] = req
    out[`KAFKA_CODEGEN_${name}_RESPONSE`] = `${req}-resp`
    extra.push(req, `${req}-resp`, `${req}.dlq`)
  }
  await h.createTopics(partitions, extra)
  return { ...out, ...env }
}
