// Every setting of the service in one schema: its doc, default, format and environment variable.
// ./load.ts hands this to convict, validates it and resolves the result into a frozen `Config`; the README
// configuration table is generated from it (scripts/config-table.mjs), so the table cannot drift.
//
// Formats are our own rather than convict's built-ins because convict's coercion is lax where an
// operator's typo should stop the service: an empty or misspelt boolean env var reads as `true`
// (convict #380), `parseInt` turns "12abc" into 12, and arrays cannot come from env at all (#399). Each
// format parses env strings strictly and leaves an unparsable string as it is, so that validation then
// reports the operator's exact text.
//
// Empty values mean "none" for optional names and paths ('' = SASL off, bench topic off, hostname used).

// ---- resolved shape (what the rest of the service reads) ----------------------------------------------

import type { TopicNames } from '../consumer/routes.js'
import { DEFAULT_BATCH_LIMITS } from '../pool/batch-plan.js'

export type AutoOffsetReset = 'earliest' | 'latest'
export type SaslMechanism = '' | 'plain' | 'scram-sha-256' | 'scram-sha-512'
export type Ordering = 'key' | 'partition' | 'unordered'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
/** What a compatibility-only setting may hold: it is accepted in any form and ignored. */
export type IgnoredValue = string | number | boolean | null

export interface SaslConfig {
  /** '' = SASL off. */
  readonly mechanism: SaslMechanism
  readonly username: string
  readonly password: string
}

export interface SslConfig {
  readonly enabled: boolean
  /** '' = unset; when set, the file existed and was readable at load. */
  readonly caFile: string
  readonly certFile: string
  readonly keyFile: string
  readonly keyPassword: string
  readonly rejectUnauthorized: boolean
}

export interface KafkaConfig {
  readonly brokers: readonly string[]
  readonly clientId: string
  readonly groupId: string
  readonly autoOffsetReset: AutoOffsetReset
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  readonly rebalanceTimeoutMs: number
  readonly fetchMaxWaitMs: number
  readonly fetchMaxBytes: number
  readonly fetchMaxBytesPerPartition: number
  readonly connectionTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly retries: number
  readonly outageTimeoutMs: number
  /** Accepted for compatibility with the Python service, ignored (null = not set). */
  readonly enableAutoCommit: IgnoredValue
  /** Accepted for compatibility with the Python service, ignored (null = not set). */
  readonly maxPollRecords: IgnoredValue
  readonly sasl: SaslConfig
  readonly ssl: SslConfig
}

/** The topic names of the routes (src/consumer/routes.ts) and the dead-letter suffix. */
export interface TopicsConfig extends TopicNames {
  readonly dlqSuffix: string
}

export interface ProcessingConfig {
  readonly maxInFlight: number
  /** 0 = no byte budget. */
  readonly maxInFlightBytes: number
  readonly ordering: Ordering
  /** Resolved: never 0 (auto = maxInFlight). */
  readonly queueHighWater: number
  /** Resolved: auto = half of queueHighWater; always below it. */
  readonly queueLowWater: number
  readonly commitIntervalMs: number
  readonly shutdownTimeoutMs: number
  readonly taskTimeoutMs: number
  readonly maxPayloadBytes: number
  readonly retries: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
}

export interface PoolConfig {
  /** Resolved: never 0 (auto = os.availableParallelism()). */
  readonly threads: number
  readonly maxOldGenerationMb: number
  /** 0 = V8's default (leave the resource limit unset). */
  readonly maxYoungGenerationMb: number
  readonly stackSizeMb: number
  readonly batchMaxEvents: number
}

export interface ServiceConfig {
  readonly sourceService: string
  /** Resolved: never '' (auto = os.hostname()). */
  readonly sourceInstance: string
  /** Resolved: never '' (auto = package.json version). */
  readonly sourceVersion: string
}

export interface HandlerConfig {
  /** Absolute path (relative entries are resolved against the config file's folder) or package name. */
  readonly module: string
  readonly export: string
  /** [] = the event types the module's definition declares. */
  readonly eventTypes: readonly string[]
  readonly topics: readonly string[]
  /** '' only when `topics` is empty. */
  readonly responseTopic: string
  readonly options: Readonly<Record<string, unknown>>
}

export interface HttpConfig {
  readonly enabled: boolean
  readonly host: string
  /** 0 = an ephemeral port. */
  readonly port: number
}

export interface HealthConfig {
  readonly windowMs: number
}

export interface LogConfig {
  readonly level: LogLevel
  readonly pretty: boolean
}

/** The validated, resolved and deeply frozen configuration. */
export interface Config {
  readonly kafka: KafkaConfig
  readonly topics: TopicsConfig
  readonly processing: ProcessingConfig
  readonly pool: PoolConfig
  readonly service: ServiceConfig
  readonly handlers: readonly HandlerConfig[]
  readonly http: HttpConfig
  readonly health: HealthConfig
  readonly log: LogConfig
}

/** What convict holds before resolution: the same keys, "auto" values not yet filled in. */
export interface RawConfig {
  kafka: Omit<KafkaConfig, 'brokers' | 'sasl' | 'ssl'> & { brokers: string[], sasl: SaslConfig, ssl: SslConfig }
  topics: TopicsConfig
  processing: ProcessingConfig
  pool: PoolConfig
  service: ServiceConfig
  handlers: unknown[]
  http: HttpConfig
  health: HealthConfig
  log: LogConfig
}

// ---- formats --------------------------------------------------------------------------------------------

export type FormatName =
  | 'ic-int' | 'ic-boolean' | 'ic-enum' | 'ic-string' | 'ic-topic' | 'ic-topic-suffix' | 'ic-brokers'
  | 'ic-path' | 'ic-ignored' | 'ic-handlers'

// A type alias, not an interface, so that it stays assignable to convict's index-signature SchemaObj.
/** One setting. Every field is present so that formats read their parameters without fallbacks. */
export type Setting<T = unknown> = {
  readonly doc: string
  readonly default: T
  readonly format: FormatName
  /** undefined = config file only. */
  readonly env: string | undefined
  readonly sensitive: boolean
  readonly nullable: boolean
  /** ic-int bounds, inclusive. */
  readonly min: number
  readonly max: number
  /** ic-enum values, lower case; '' stands for "none". */
  readonly values: readonly string[]
  /** ic-string, ic-topic: '' allowed. */
  readonly optional: boolean
}

type Leaf = string | number | boolean | null | readonly unknown[]
export type SchemaOf<T> = { readonly [K in keyof T]: T[K] extends Leaf ? Setting<T[K]> : SchemaOf<T[K]> }
export type SchemaNode = Setting | { readonly [key: string]: SchemaNode }

/** Why a value is refused. `at` refines the key for values with inner structure, e.g. `[1].module`. */
export interface Problem {
  readonly at: string
  readonly value: unknown
  readonly message: string
}

export interface Format {
  /** Parses a string (from env, or a string in a file); returns it unchanged when it does not parse. */
  readonly coerce?: (raw: string) => unknown
  readonly check: (value: unknown, setting: Setting) => Problem | undefined
  /** What is allowed, as a phrase that follows "must be". */
  readonly describe: (setting: Setting) => string
}

const TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/
export const MAX_TOPIC_LENGTH = 249

export function isLegalTopic (name: string): boolean {
  return name.length <= MAX_TOPIC_LENGTH && TOPIC_CHARS.test(name) && name !== '.' && name !== '..'
}

function simple (
  accepts: (value: unknown, setting: Setting) => boolean,
  describe: (setting: Setting) => string,
  coerce?: (raw: string) => unknown
): Format {
  const check = (value: unknown, setting: Setting): Problem | undefined =>
    accepts(value, setting) ? undefined : { at: '', value, message: `must be ${describe(setting)}` }
  return coerce === undefined ? { check, describe } : { check, describe, coerce }
}

const TRUE_WORDS = new Set(['true', '1', 'yes'])
const FALSE_WORDS = new Set(['false', '0', 'no'])

export function parseBoolean (raw: string): boolean | string {
  const word = raw.trim().toLowerCase()
  if (TRUE_WORDS.has(word)) return true
  if (FALSE_WORDS.has(word)) return false
  return raw
}

export function parseInteger (raw: string): number | string {
  return /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : raw
}

export function parseBrokerList (raw: string): string[] {
  return raw.split(',').map(s => s.trim()).filter(s => s !== '')
}

const BROKER = /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?):(\d{1,5})$/

export function isBroker (entry: unknown): boolean {
  if (typeof entry !== 'string') return false
  const port = BROKER.exec(entry)?.[1]
  return port !== undefined && Number(port) >= 1 && Number(port) <= 65535
}

const isText = (value: unknown): value is string => typeof value === 'string'
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const HANDLER_KEYS = ['module', 'export', 'eventTypes', 'topics', 'responseTopic', 'options']
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function entryProblem (entry: unknown): Problem | undefined {
  if (!isPlainObject(entry)) return { at: '', value: entry, message: 'must be an object with at least "module"' }
  const unknownKey = Object.keys(entry).find(k => !HANDLER_KEYS.includes(k))
  if (unknownKey !== undefined) {
    return { at: `.${unknownKey}`, value: entry[unknownKey], message: `unknown key; allowed: ${HANDLER_KEYS.join(', ')}` }
  }
  const { module, export: exportName = 'default', eventTypes = [], topics = [], responseTopic = '', options = {} } = entry
  const fail = (at: string, value: unknown, message: string): Problem => ({ at: `.${at}`, value, message })
  if (!isText(module) || module.trim() === '') {
    return fail('module', module, 'must be a module path (absolute, or relative to the config file) or a package name')
  }
  if (!isText(exportName) || !IDENTIFIER.test(exportName)) return fail('export', exportName, 'must be an export name')
  if (!Array.isArray(eventTypes) || !eventTypes.every(e => isText(e) && e !== '')) {
    return fail('eventTypes', eventTypes, 'must be a list of non-empty event type names')
  }
  if (!Array.isArray(topics) || !topics.every(e => isText(e) && isLegalTopic(e) && e !== '')) {
    return fail('topics', topics, 'must be a list of Kafka topic names')
  }
  if (!isText(responseTopic) || (responseTopic === '' ? topics.length > 0 : !isLegalTopic(responseTopic))) {
    return fail('responseTopic', responseTopic, 'must be a Kafka topic name (required when "topics" is not empty)')
  }
  if (!isPlainObject(options)) return fail('options', options, 'must be an object')
  return undefined
}

function checkHandlers (value: unknown): Problem | undefined {
  if (!Array.isArray(value)) return { at: '', value, message: 'must be a list of handler entries' }
  for (const [i, entry] of value.entries()) {
    const problem = entryProblem(entry)
    if (problem !== undefined) return { ...problem, at: `[${i}]${problem.at}` }
  }
  return undefined
}

const TOPIC_RULE = `1 to ${MAX_TOPIC_LENGTH} characters from a-z A-Z 0-9 . _ -`

export const FORMATS: Readonly<Record<FormatName, Format>> = {
  'ic-int': simple(
    (v, s) => Number.isSafeInteger(v) && (v as number) >= s.min && (v as number) <= s.max,
    s => `an integer between ${s.min} and ${s.max}`,
    parseInteger),
  'ic-boolean': simple(v => typeof v === 'boolean', () => 'a boolean: true, false, 1, 0, yes or no', parseBoolean),
  'ic-enum': simple(
    (v, s) => isText(v) && s.values.includes(v),
    s => `one of ${s.values.map(v => v === '' ? '"" (none)' : v).join(', ')}`,
    raw => raw.trim().toLowerCase()),
  'ic-string': simple((v, s) => isText(v) && (s.optional || v.trim() !== ''),
    s => s.optional ? 'a string' : 'a non-empty string'),
  'ic-topic': simple((v, s) => isText(v) && (v === '' ? s.optional : isLegalTopic(v)),
    s => `a Kafka topic name, ${TOPIC_RULE}${s.optional ? ', or "" to disable' : ''}`),
  'ic-topic-suffix': simple(v => isText(v) && v.length <= 64 && TOPIC_CHARS.test(v),
    () => 'a topic-name suffix, 1 to 64 characters from a-z A-Z 0-9 . _ -'),
  'ic-brokers': simple(v => Array.isArray(v) && v.length > 0 && v.every(isBroker),
    () => 'a comma-separated list of host:port (port 1 to 65535)',
    parseBrokerList),
  'ic-path': simple(isText, () => 'a file path, or "" for none'),
  'ic-ignored': simple(v => v === null || ['string', 'number', 'boolean'].includes(typeof v),
    () => 'a string, number or boolean (the value is ignored)'),
  'ic-handlers': {
    check: checkHandlers,
    describe: () => 'a list of {module, export, eventTypes, topics, responseTopic, options} (config file only)'
  }
}

// ---- the schema ---------------------------------------------------------------------------------------

const base = { sensitive: false, nullable: false, min: 0, max: 0, values: [], optional: false } as const

function int (env: string, dflt: number, min: number, max: number, doc: string): Setting<number> {
  return { ...base, doc, default: dflt, format: 'ic-int', env, min, max }
}
function bool (env: string, dflt: boolean, doc: string): Setting<boolean> {
  return { ...base, doc, default: dflt, format: 'ic-boolean', env }
}
function oneOf<V extends string> (env: string, dflt: V, values: readonly V[], doc: string): Setting<V> {
  return { ...base, doc, default: dflt, format: 'ic-enum', env, values }
}
function text (env: string, dflt: string, doc: string, extra: { optional?: boolean, sensitive?: boolean } = {}): Setting<string> {
  return { ...base, ...extra, doc, default: dflt, format: 'ic-string', env }
}
function topic (env: string, dflt: string, doc: string, optional = false): Setting<string> {
  return { ...base, doc, default: dflt, format: 'ic-topic', env, optional }
}
function path (env: string, doc: string): Setting<string> {
  return { ...base, doc, default: '', format: 'ic-path', env }
}
function ignored (env: string, doc: string): Setting<IgnoredValue> {
  return { ...base, doc, default: null, format: 'ic-ignored', env, nullable: true }
}

const request = (type: string): string => `omninode.codegen.request.${type}.v1`
const response = (type: string): string => `omninode.codegen.response.${type}.v1`

export const schema: SchemaOf<RawConfig> = {
  kafka: {
    brokers: {
      ...base,
      doc: 'Bootstrap brokers.',
      default: ['127.0.0.1:9092'],
      format: 'ic-brokers',
      env: 'KAFKA_BOOTSTRAP_SERVERS'
    },
    clientId: text('KAFKA_CLIENT_ID', 'intelligence-consumer', 'Kafka client id, shown in broker logs and quotas.'),
    groupId: text('KAFKA_CONSUMER_GROUP', 'archon-intelligence', 'Consumer group; the Python service\'s group, so a switch-over resumes at its committed offsets.'),
    autoOffsetReset: oneOf('KAFKA_AUTO_OFFSET_RESET', 'earliest', ['earliest', 'latest'], 'Where a group without committed offsets starts.'),
    sessionTimeoutMs: int('KAFKA_SESSION_TIMEOUT_MS', 30000, 6000, 300000, 'Group session timeout: a member silent this long is evicted. The broker bounds it too (group.min/max.session.timeout.ms).'),
    heartbeatIntervalMs: int('KAFKA_HEARTBEAT_INTERVAL_MS', 3000, 100, 60000, 'Heartbeat interval; at most a third of the session timeout so that two lost heartbeats do not evict the member.'),
    rebalanceTimeoutMs: int('KAFKA_REBALANCE_TIMEOUT_MS', 60000, 1000, 3600000, 'How long the group waits for members to rejoin during a rebalance.'),
    fetchMaxWaitMs: int('KAFKA_FETCH_MAX_WAIT_MS', 100, 10, 10000, 'Longest wait of a fetch for data. kafkajs also sleeps this long when every partition is paused, so a resume takes effect only after it: keep it low.'),
    fetchMaxBytes: int('KAFKA_FETCH_MAX_BYTES', 10485760, 1024, 1073741824, 'Upper bound of one fetch response. Fetched records wait in memory for a slot, so this bounds memory beside the queue marks.'),
    fetchMaxBytesPerPartition: int('KAFKA_FETCH_MAX_BYTES_PER_PARTITION', 1048576, 1024, 1073741824, 'Upper bound per partition in a fetch; keep it at least the largest record the topics hold, or kafkajs can stall on that partition.'),
    connectionTimeoutMs: int('KAFKA_CONNECTION_TIMEOUT_MS', 3000, 100, 300000, 'TCP connect timeout to a broker.'),
    requestTimeoutMs: int('KAFKA_REQUEST_TIMEOUT_MS', 30000, 100, 600000, 'Timeout of one Kafka request.'),
    retries: int('KAFKA_RETRIES', 8, 0, 100, 'Connection retries (with backoff) before the service gives up and exits non-zero, instead of retrying forever.'),
    outageTimeoutMs: int('KAFKA_OUTAGE_TIMEOUT_MS', 120000, 1000, 86400000, 'How long the cluster may answer nothing mid-run (no request of the consumer or producer answered, and a probe unanswered) before the service gives up: it exits non-zero about this long after the last answer, plus the drain, instead of hanging.'),
    enableAutoCommit: ignored('KAFKA_ENABLE_AUTO_COMMIT', 'Accepted for compatibility and ignored: offsets are committed only once every earlier event is finished.'),
    maxPollRecords: ignored('KAFKA_MAX_POLL_RECORDS', 'Accepted for compatibility and ignored: fetching is bounded by the queue marks and the fetch byte limits.'),
    sasl: {
      mechanism: oneOf('KAFKA_SASL_MECHANISM', '', ['', 'plain', 'scram-sha-256', 'scram-sha-512'], 'SASL mechanism, any case; "" = no SASL. When set, username and password are required.'),
      username: text('KAFKA_SASL_USERNAME', '', 'SASL username.', { optional: true }),
      password: text('KAFKA_SASL_PASSWORD', '', 'SASL password (never printed or logged).', { optional: true, sensitive: true })
    },
    ssl: {
      enabled: bool('KAFKA_SSL_ENABLED', false, 'Connect to the brokers over TLS.'),
      caFile: path('KAFKA_SSL_CA_FILE', 'PEM file of the CA(s) to trust instead of the system ones; must exist.'),
      certFile: path('KAFKA_SSL_CERT_FILE', 'PEM client certificate for mutual TLS (with the key file); must exist.'),
      keyFile: path('KAFKA_SSL_KEY_FILE', 'PEM private key of the client certificate; must exist.'),
      keyPassword: text('KAFKA_SSL_KEY_PASSWORD', '', 'Passphrase of the private key (never printed or logged).', { optional: true, sensitive: true }),
      rejectUnauthorized: bool('KAFKA_SSL_REJECT_UNAUTHORIZED', true, 'Verify the brokers\' certificates. Turn off only to debug a test cluster.')
    }
  },
  topics: {
    validateRequest: topic('KAFKA_CODEGEN_VALIDATE_REQUEST', request('validate'), 'Validate requests.'),
    analyzeRequest: topic('KAFKA_CODEGEN_ANALYZE_REQUEST', request('analyze'), 'Analyze requests.'),
    patternRequest: topic('KAFKA_CODEGEN_PATTERN_REQUEST', request('pattern'), 'Pattern requests.'),
    mixinRequest: topic('KAFKA_CODEGEN_MIXIN_REQUEST', request('mixin'), 'Mixin requests.'),
    validateResponse: topic('KAFKA_CODEGEN_VALIDATE_RESPONSE', response('validate'), 'Validate responses.'),
    analyzeResponse: topic('KAFKA_CODEGEN_ANALYZE_RESPONSE', response('analyze'), 'Analyze responses.'),
    patternResponse: topic('KAFKA_CODEGEN_PATTERN_RESPONSE', response('pattern'), 'Pattern responses.'),
    mixinResponse: topic('KAFKA_CODEGEN_MIXIN_RESPONSE', response('mixin'), 'Mixin responses.'),
    dlqSuffix: {
      ...base,
      doc: 'Dead letters of a request topic go to <request topic><suffix>.',
      default: '.dlq',
      format: 'ic-topic-suffix',
      env: 'KAFKA_DLQ_SUFFIX'
    },
    benchCpuRequest: topic('KAFKA_BENCH_CPU_REQUEST', '', 'Request topic of the synthetic CPU handler used by tests and benchmarks; "" = not subscribed.', true),
    benchCpuResponse: topic('KAFKA_BENCH_CPU_RESPONSE', 'bench.cpu.response.v1', 'Response topic of the synthetic CPU handler.')
  },
  processing: {
    maxInFlight: int('KAFKA_MAX_IN_FLIGHT', 100, 1, 10000, 'Events processed at once (taken from Kafka, not yet answered). See "How to size max_in_flight".'),
    maxInFlightBytes: int('KAFKA_MAX_IN_FLIGHT_BYTES', 0, 0, 2 ** 40, 'Byte budget of the events in flight beside the count; 0 = none. An event larger than the budget runs alone.'),
    ordering: oneOf('KAFKA_ORDERING', 'key', ['key', 'partition', 'unordered'], 'key: same key in offset order, different keys in parallel; partition: one event at a time per partition; unordered: any order.'),
    queueHighWater: int('KAFKA_QUEUE_HIGH_WATER', 0, 0, 1000000, 'Fetched events waiting for a slot at which partitions are paused; 0 = equal to maxInFlight.'),
    queueLowWater: int('KAFKA_QUEUE_LOW_WATER', 0, 0, 1000000, 'Waiting events at or below which paused partitions resume; 0 = half the high mark. The gap between the marks keeps pause/resume from flapping.'),
    commitIntervalMs: int('KAFKA_COMMIT_INTERVAL_MS', 1000, 50, 60000, 'How often finished offsets are committed (also on rebalance and shutdown). Shorter means fewer events redone after a crash.'),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 25000, 0, 600000, 'On SIGTERM, how long in-flight events may finish before the service commits and exits; keep it below the orchestrator\'s kill grace period.'),
    taskTimeoutMs: int('HANDLER_TIMEOUT_MS', 30000, 10, 3600000, 'Deadline of one handler run; past it the worker thread is replaced and the attempt fails as a timeout.'),
    maxPayloadBytes: int('MAX_PAYLOAD_BYTES', 10485760, 1, 1073741824, 'Largest record value accepted; larger ones go to the dead-letter topic as payload_too_large.'),
    retries: int('HANDLER_RETRIES', 2, 0, 20, 'Extra attempts of a handler failure that may be transient, before the event is dead-lettered.'),
    retryBackoffMs: int('HANDLER_RETRY_BACKOFF_MS', 200, 0, 600000, 'First retry delay; doubles per attempt.'),
    retryBackoffMaxMs: int('HANDLER_RETRY_BACKOFF_MAX_MS', 5000, 0, 3600000, 'Longest retry delay; at least retryBackoffMs.')
  },
  pool: {
    threads: int('WORKER_THREADS', 0, 0, 1024, 'Worker threads of the analysis pool (fixed size); 0 = os.availableParallelism().'),
    maxOldGenerationMb: int('WORKER_MAX_OLD_GENERATION_MB', 512, 16, 65536, 'Heap limit of each worker; a worker over it fails its task (resource_limit_error) and is replaced.'),
    maxYoungGenerationMb: int('WORKER_MAX_YOUNG_GENERATION_MB', 0, 0, 65536, 'Young-generation limit of each worker; 0 = V8\'s default.'),
    stackSizeMb: int('WORKER_STACK_SIZE_MB', 4, 1, 256, 'Stack size of each worker; deep syntax trees need more than V8\'s default.'),
    batchMaxEvents: int('WORKER_BATCH_MAX_EVENTS', DEFAULT_BATCH_LIMITS.maxEvents, 1, 1024, 'Most events in one task of the pool, while events wait for a worker and take well under 1 ms each (slower ones always go alone); 1 = one event per task.')
  },
  service: {
    sourceService: text('SOURCE_SERVICE', 'archon-intelligence', 'source_service of every response (the Python service\'s value, so consumers see no change).'),
    sourceInstance: text('SOURCE_INSTANCE', '', 'source_instance of every response; "" = the host name.', { optional: true }),
    sourceVersion: text('SOURCE_VERSION', '', 'source_version of every response; "" = the package version.', { optional: true })
  },
  handlers: {
    ...base,
    doc: 'Extra handlers, config file only: [{module, export = "default", eventTypes = [] (the module\'s own), topics = [] (request topics to subscribe), responseTopic, options = {}}]. A relative module path is resolved against the config file\'s folder.',
    default: [],
    format: 'ic-handlers',
    env: undefined
  },
  http: {
    enabled: bool('HTTP_ENABLED', true, 'Serve /metrics, /health and /ready.'),
    host: text('HTTP_HOST', '127.0.0.1', 'Address the HTTP endpoint listens on; 0.0.0.0 in a container.'),
    port: int('HTTP_PORT', 8080, 0, 65535, 'Port of the HTTP endpoint; 0 = any free port.')
  },
  health: {
    windowMs: int('HEALTH_WINDOW_MS', 60000, 1000, 3600000, 'Window over which /health judges backpressure (recent behaviour, not since start).')
  },
  log: {
    level: oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'Log level, any case; debug shows every backpressure wait.'),
    pretty: bool('LOG_PRETTY', false, 'Human-readable logs through pino-pretty instead of JSON lines; for development.')
  }
}

// ---- walking the schema ---------------------------------------------------------------------------------

export function isSetting (node: SchemaNode): node is Setting {
  return 'format' in node
}

/** Every setting with its dotted key, in schema order. */
export function settings (node: SchemaNode = schema, prefix = ''): Array<[string, Setting]> {
  if (isSetting(node)) return [[prefix, node]]
  return Object.entries(node).flatMap(([k, child]) => settings(child, prefix === '' ? k : `${prefix}.${k}`))
}

export function formatOf (setting: Setting): Format {
  return FORMATS[setting.format]
}

export interface ConfigDoc {
  readonly key: string
  /** '' = config file only. */
  readonly env: string
  /** As it would be written in env: lists comma-separated ('[]' when empty), '' for none. */
  readonly default: string
  readonly doc: string
  /** What is allowed. */
  readonly format: string
}

function defaultText (value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.join(',')
  return value === null ? '' : String(value)
}

/** Rows for the README configuration table. */
export function configDocs (): ConfigDoc[] {
  return settings().map(([key, s]) => ({
    key,
    env: s.env ?? '',
    default: defaultText(s.default),
    doc: s.doc,
    format: formatOf(s).describe(s)
  }))
}
