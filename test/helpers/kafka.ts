// Test helpers against the real broker started by scripts/kafka.mjs (npm test starts it). Tests use
// kafkajs directly as an independent client: what they read is what a producer or reader would see.

import { randomUUID } from 'node:crypto'
import kafkajs from 'kafkajs'

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
    await admin.createTopics({ waitForLeaders: true, topics: topics.map(topic => ({ topic, numPartitions })) })
  } finally {
    await admin.disconnect()
  }
}

export interface Produced { key: string | null, value: string | Buffer | null, partition?: number }

/** Produces in sends of `chunk` messages: each send becomes one record batch per partition. */
export async function produce (topic: string, messages: Produced[], chunk = 500): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false })
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
