// Wires the validated configuration into the consumer (and, for the service, the HTTP endpoints).
// Past this point nothing reads the environment: everything comes from the frozen Config.

import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Config } from './config/schema.js'
import { loadConfig } from './config/load.js'
import { IntelligenceKafkaConsumer, type IntelligenceConsumerOptions } from './consumer/intelligence-consumer.js'
import { defaultRoutes } from './consumer/routes.js'
import type { RouteSpec } from './pool/task.js'

/** Routes of the built-in handlers plus the plugin handlers named in the configuration. */
export function routesFromConfig (config: Config): RouteSpec[] {
  const plugins: RouteSpec[] = config.handlers.map(h => ({
    handler: { module: h.module, export: h.export },
    topics: h.topics,
    eventTypes: h.eventTypes,
    responseTopic: h.responseTopic,
    options: h.options
  }))
  return [...defaultRoutes(config.topics), ...plugins]
}

function sslOptions (ssl: Config['kafka']['ssl']): IntelligenceConsumerOptions['ssl'] {
  if (!ssl.enabled) return undefined
  return {
    rejectUnauthorized: ssl.rejectUnauthorized,
    ...(ssl.caFile !== '' ? { ca: [readFileSync(ssl.caFile, 'utf8')] } : {}),
    ...(ssl.certFile !== '' ? { cert: readFileSync(ssl.certFile, 'utf8') } : {}),
    ...(ssl.keyFile !== '' ? { key: readFileSync(ssl.keyFile, 'utf8') } : {}),
    ...(ssl.keyPassword !== '' ? { passphrase: ssl.keyPassword } : {})
  }
}

export function consumerOptions (config: Config, logger?: Logger): IntelligenceConsumerOptions {
  const { kafka, processing: p, pool, service } = config
  return {
    bootstrapServers: kafka.brokers,
    clientId: kafka.clientId,
    groupId: kafka.groupId,
    autoOffsetReset: kafka.autoOffsetReset,
    sessionTimeoutMs: kafka.sessionTimeoutMs,
    heartbeatIntervalMs: kafka.heartbeatIntervalMs,
    rebalanceTimeoutMs: kafka.rebalanceTimeoutMs,
    fetchMaxWaitMs: kafka.fetchMaxWaitMs,
    fetchMaxBytes: kafka.fetchMaxBytes,
    fetchMaxBytesPerPartition: kafka.fetchMaxBytesPerPartition,
    connectionTimeoutMs: kafka.connectionTimeoutMs,
    requestTimeoutMs: kafka.requestTimeoutMs,
    kafkaRetries: kafka.retries,
    kafkaOutageTimeoutMs: kafka.outageTimeoutMs,
    sasl: kafka.sasl.mechanism === '' ? undefined : { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password },
    ssl: sslOptions(kafka.ssl),
    maxInFlight: p.maxInFlight,
    maxInFlightBytes: p.maxInFlightBytes,
    ordering: p.ordering,
    queueHighWater: p.queueHighWater,
    queueLowWater: p.queueLowWater,
    commitIntervalMs: p.commitIntervalMs,
    shutdownTimeoutMs: p.shutdownTimeoutMs,
    taskTimeoutMs: p.taskTimeoutMs,
    maxPayloadBytes: p.maxPayloadBytes,
    handlerRetries: p.retries,
    retryBackoffMs: p.retryBackoffMs,
    retryBackoffMaxMs: p.retryBackoffMaxMs,
    threads: pool.threads,
    workerMaxOldGenerationMb: pool.maxOldGenerationMb,
    workerMaxYoungGenerationMb: pool.maxYoungGenerationMb,
    workerStackSizeMb: pool.stackSizeMb,
    maxBatchEvents: pool.batchMaxEvents,
    routes: routesFromConfig(config),
    dlqSuffix: config.topics.dlqSuffix,
    source: { service: service.sourceService, instance: service.sourceInstance, version: service.sourceVersion },
    ...(logger !== undefined ? { logger } : {})
  }
}

/**
 * The old service's factory: a consumer configured from the environment (KAFKA_BOOTSTRAP_SERVERS,
 * KAFKA_CONSUMER_GROUP, KAFKA_MAX_IN_FLIGHT, ... see README.md#configuration), with the config file of
 * NODE_ENV underneath. Invalid values throw IC_CONFIG_INVALID naming the variable and the allowed range.
 */
export function createIntelligenceKafkaConsumer (
  options: { env?: Readonly<Record<string, string | undefined>>, logger?: Logger, overrides?: Partial<IntelligenceConsumerOptions> } = {}
): IntelligenceKafkaConsumer {
  const { config } = loadConfig({ env: options.env ?? process.env })
  return new IntelligenceKafkaConsumer({ ...consumerOptions(config, options.logger), ...options.overrides })
}
