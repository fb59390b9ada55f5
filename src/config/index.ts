// The configuration's public surface: load once at start, then pass the frozen Config around.
export { configDocs, loadConfig, printableConfig, requestTopics } from './load.js'
export type { ConfigDoc, LoadOptions, LoadResult } from './load.js'
export type {
  AutoOffsetReset, Config, HandlerConfig, HealthConfig, HttpConfig, IgnoredValue, KafkaConfig, LogConfig,
  LogLevel, Ordering, PoolConfig, ProcessingConfig, SaslConfig, SaslMechanism, ServiceConfig, SslConfig,
  TopicsConfig
} from './schema.js'
