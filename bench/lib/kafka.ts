// Broker-side plumbing of the benches, with kafkajs used directly as an independent client (as the
// tests do): create and delete the bench's topics and groups, preload a backlog, read responses back.
// Everything created is remembered and removed by cleanup(), also on Ctrl-C.

import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'
import type { RequestRecord } from './workload.js'

const { Kafka, logLevel } = kafkajs
type Admin = ReturnType<InstanceType<typeof Kafka>['admin']>

export function brokersFrom (text: string | undefined): string[] {
  return (text ?? process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092').split(',').map(s => s.trim()).filter(Boolean)
}

/** A short random id for this bench run: topic and group names start with `bench-<id>`. */
export function runId (): string { return randomUUID().slice(0, 8) }

/**
 * Creates topics (a no-op for those that exist) and resolves once metadata shows every partition with a
 * leader. Not kafkajs' waitForLeaders: its metadata refresh retries only LEADER_NOT_AVAILABLE, and a
 * broker that has just started answered "This server does not host this topic-partition" for a topic
 * it had just created, which failed a whole bench run (seen twice at the start of a full CI run).
 */
export async function createTopicsWithLeaders (admin: Admin, topics: readonly string[], partitions: number, timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, topics: topics.map(topic => ({ topic, numPartitions: partitions })) })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] })
      if (meta.length === topics.length && meta.every(t => t.partitions.length === partitions && t.partitions.every(p => p.leader >= 0))) return
    } catch (err) {
      if (Date.now() > deadline) throw err
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader for every partition after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

export class BenchKafka {
  readonly kafka: InstanceType<typeof Kafka>
  readonly #topics = new Set<string>()
  readonly #groups = new Set<string>()
  #admin: Admin | undefined

  constructor (readonly brokers: readonly string[]) {
    this.kafka = new Kafka({ brokers: [...brokers], clientId: 'bench', logLevel: logLevel.NOTHING, retry: { retries: 3 } })
  }

  async admin (): Promise<Admin> {
    if (this.#admin === undefined) {
      const admin = this.kafka.admin()
      await admin.connect()
      this.#admin = admin
    }
    return this.#admin
  }

  async createTopics (topics: readonly string[], partitions: number): Promise<void> {
    const admin = await this.admin()
    for (const t of topics) this.#topics.add(t)
    await createTopicsWithLeaders(admin, topics, partitions)
  }

  /** Remembers a consumer group so that cleanup() deletes it. */
  group (groupId: string): string {
    this.#groups.add(groupId)
    return groupId
  }

  async endOffsets (topic: string): Promise<Map<number, bigint>> {
    const admin = await this.admin()
    return new Map((await admin.fetchTopicOffsets(topic)).map(p => [p.partition, BigInt(p.high)]))
  }

  /** Commits, for a group with no member yet, a start offset per partition (a smaller backlog). */
  async setGroupOffsets (groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    const admin = await this.admin()
    await admin.setOffsets({ groupId, topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })) })
  }

  /**
   * Produces `count` records, round-robin over the partitions, several sends in flight. Each record is
   * stamped explicitly with the time its send started; `onSent` sees it (for latency) and the progress.
   */
  async produce (topic: string, partitions: number, count: number, recordAt: (i: number) => RequestRecord, opts: {
    chunkBytes?: number
    inFlight?: number
    onSent?: (index: number, record: RequestRecord, timestamp: number) => void
    onProgress?: (sent: number, bytes: number) => void
  } = {}): Promise<{ bytes: number, ms: number }> {
    const producer = this.kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    const chunkBytes = opts.chunkBytes ?? 512 * 1024
    const window = new Set<Promise<void>>()
    const started = Date.now()
    let next = 0
    let acked = 0
    let bytes = 0
    try {
      while (next < count) {
        const messages: Array<{ key: string, value: Buffer, partition: number, timestamp: string }> = []
        const now = Date.now()
        let size = 0
        while (next < count && (messages.length === 0 || size < chunkBytes) && messages.length < 2000) {
          const r = recordAt(next)
          opts.onSent?.(next, r, now)
          messages.push({ key: r.key, value: r.value, partition: next % partitions, timestamp: String(now) })
          size += r.value.length
          next++
        }
        bytes += size
        const p: Promise<void> = producer.send({ topic, acks: -1, messages }).then(() => {
          acked += messages.length
          opts.onProgress?.(acked, bytes)
        }).finally(() => window.delete(p))
        window.add(p)
        if (window.size >= (opts.inFlight ?? 4)) await Promise.race(window)
      }
      await Promise.all(window)
    } finally {
      await producer.disconnect()
    }
    return { bytes, ms: Date.now() - started }
  }

  /** Key → record timestamp (ms) of every record the topic holds now; the first one per key wins. */
  async readTimestamps (topic: string, timeoutMs = 120_000): Promise<Map<string, number>> {
    let total = 0
    for (const high of (await this.endOffsets(topic)).values()) total += Number(high)
    const out = new Map<string, number>()
    if (total === 0) return out
    const consumer = this.kafka.consumer({ groupId: this.group(`bench-reader-${runId()}`), maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    let seen = 0
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`read ${seen} of ${total} records of ${topic} in ${timeoutMs} ms`)), timeoutMs)
        void consumer.run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const key = m.key?.toString() ?? ''
              if (!out.has(key)) out.set(key, Number(m.timestamp))
              seen++
            }
            if (seen >= total) { clearTimeout(timer); resolve() }
          }
        })
      })
    } finally {
      await consumer.disconnect()
    }
    return out
  }

  /** Deletes every topic and group this run created (best effort: a failure is reported, not thrown). */
  async cleanup (): Promise<string[]> {
    const problems: string[] = []
    const admin = await this.admin().catch((err: Error) => { problems.push(`admin: ${err.message}`); return undefined })
    if (admin !== undefined) {
      if (this.#groups.size > 0) {
        try {
          await admin.deleteGroups([...this.#groups])
        } catch (err) {
          // A group that never committed does not exist: not a problem.
          const failed = ((err as { groups?: Array<{ groupId: string, errorCode: number, error?: { type?: string } }> }).groups ?? [])
            .filter(g => g.errorCode !== 0 && g.error?.type !== 'GROUP_ID_NOT_FOUND')
          if (failed.length > 0) problems.push(`groups not deleted: ${failed.map(g => `${g.groupId} (${g.error?.type ?? g.errorCode})`).join(', ')}`)
        }
      }
      if (this.#topics.size > 0) {
        try {
          const existing = new Set(await admin.listTopics())
          const mine = [...this.#topics].filter(t => existing.has(t))
          if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 })
        } catch (err) {
          problems.push(`topics not deleted (${[...this.#topics].join(', ')}): ${(err as Error).message}`)
        }
      }
      await admin.disconnect().catch(() => undefined)
      this.#admin = undefined
    }
    this.#topics.clear()
    this.#groups.clear()
    return problems
  }
}
