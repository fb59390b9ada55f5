// Builds consumers for integration tests: unique topics and group per test, a plugin or the synthetic
// CPU handler as the only route, quick commits.

import { fileURLToPath } from 'node:url'
import { IntelligenceKafkaConsumer, type IntelligenceConsumerOptions } from '../../src/consumer/intelligence-consumer.js'
import type { RouteSpec } from '../../src/pool/task.js'
import { brokers, createTopics, unique } from './kafka.js'

export const timedHandlerModule = fileURLToPath(new URL('../fixtures/timed-handler.mjs', import.meta.url))

export interface Harness {
  requestTopic: string
  responseTopic: string
  dlqTopic: string
  groupId: string
  make (options?: Partial<IntelligenceConsumerOptions>): IntelligenceKafkaConsumer
}

export async function harness (opts: { handler: 'bench_cpu' | 'timed', partitions?: number }): Promise<Harness> {
  const requestTopic = unique('req')
  const responseTopic = unique('resp')
  const dlqTopic = requestTopic + '.dlq'
  const groupId = unique('group')
  await createTopics([requestTopic, responseTopic, dlqTopic], opts.partitions ?? 3)
  const route: RouteSpec = {
    handler: opts.handler === 'bench_cpu' ? { builtin: 'bench_cpu' } : { module: timedHandlerModule, export: 'timed' },
    topics: [requestTopic],
    eventTypes: [],
    responseTopic,
    options: {}
  }
  return {
    requestTopic,
    responseTopic,
    dlqTopic,
    groupId,
    make: (options = {}) => new IntelligenceKafkaConsumer({
      bootstrapServers: brokers,
      groupId,
      routes: [route],
      threads: 2,
      commitIntervalMs: 100,
      retryBackoffMs: 10,
      ...options
    })
  }
}
