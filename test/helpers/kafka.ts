// Test helpers against the real broker started by scripts/kafka.mjs (npm test starts it). Tests use
// kafkajs directly as an independent client: what they read is what a producer or reader would see.

import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'
import { createTopicsWithLeaders } from '../../bench/lib/kafka.js'

const { Kafka, logLevel } = kafkajs

export const brokers = (process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092').split(',')
export const kafka = new Kafka({ brokers, clientId: 'tests', logLevel: logLevel.NOTHING })

/** A unique name per test file run (files run in parallel). */
export function unique (prefix: string): string {
  return `${prefix}-${process.env.TAP_CHILD_ID ?? '0'}-${randomUUID().slice(0, 8)}`
}

export async function createTopics (topics: string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await createTopicsWithLeaders(admin, topics, numPartitions)
  } finally {
    await admin.disconnect()
  }
}

export async function deleteTopics (topics: string[]): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.deleteTopics({ topics })
  } finally {
    await admin.disconnect()
  }
}

export interface Produced { key: string | null, value: string | Buffer | null, partition?: number }

/**
 * Produces in sends of `chunk` messages: each send becomes one record batch per partition. Idempotent:
 * a plain producer's retry after a slow answer on a loaded machine wrote 4 records twice, and a test
 * that waits for exactly n events processed then waited for ever.
 */
export async function produce (topic: string, messages: Produced[], chunk = 500): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) })
    }
  } finally {
    await producer.disconnect()
  }
}

export interface Read { key: string | null, value: Buffer, partition: number, offset: string }

/** Reads `count` records from the beginning of `topic` (fails after timeoutMs). */
export async function readRecords (topic: string, count: number, timeoutMs = 60_000): Promise<Read[]> {
  const consumer = kafka.consumer({ groupId: unique('reader'), maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const out: Read[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${count} records from ${topic} in ${timeoutMs} ms`)), timeoutMs)
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          out.push({ key: message.key?.toString() ?? null, value: message.value ?? Buffer.alloc(0), partition, offset: message.offset })
          if (out.length >= count) { clearTimeout(timer); resolve() }
        }
      })
      if (count === 0) { clearTimeout(timer); resolve() }
    })
  } finally {
    await consumer.disconnect()
  }
  return out
}

export async function committedOffsets (groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return new Map((res?.partitions ?? []).map(p => [p.partition, BigInt(p.offset)]))
  } finally {
    await admin.disconnect()
  }
}

export async function endOffsets (topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const res = await admin.fetchTopicOffsets(topic)
    return new Map(res.map(p => [p.partition, BigInt(p.high)]))
  } finally {
    await admin.disconnect()
  }
}

export function request (payload: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ event_id: randomUUID(), correlation_id: randomUUID(), payload, ...extra })
}

/** Polls `check` until it returns true (latch, not a fixed sleep); fails after timeoutMs. */
export async function until (check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

const BUILTIN_TYPES = ['validate', 'analyze', 'pattern', 'mixin', 'bench_cpu'] as const
export type BuiltinType = typeof BUILTIN_TYPES[number]

/**
 * Unique request, response and dead-letter topics for every built-in handler, created on the broker,
 * and the environment that points `node dist/main.js` at them (the service checks they all exist).
 */
export async function serviceTopics (prefix: string, partitions = 1): Promise<{ env: Record<string, string>, request: Record<BuiltinType, string>, response: Record<BuiltinType, string> }> {
  const env: Record<string, string> = {}
  const req = {} as Record<BuiltinType, string>
  const resp = {} as Record<BuiltinType, string>
  for (const type of BUILTIN_TYPES) {
    req[type] = unique(`${prefix}-${type}-req`)
    resp[type] = unique(`${prefix}-${type}-resp`)
    const name = type === 'bench_cpu' ? 'BENCH_CPU' : `CODEGEN_${type.toUpperCase()}`
    env[`KAFKA_${name}_REQUEST`] = req[type]
    env[`KAFKA_${name}_RESPONSE`] = resp[type]
  }
  await createTopics(BUILTIN_TYPES.flatMap(t => [req[t], resp[t], req[t] + '.dlq']), partitions)
  return { env, request: req, response: resp }
}

/** Every record a topic holds right now (duplicates included), in no particular order across partitions. */
export async function readAll (topic: string, timeoutMs = 60_000): Promise<Read[]> {
  let total = 0
  for (const high of (await endOffsets(topic)).values()) total += Number(high)
  return readRecords(topic, total, timeoutMs)
}
