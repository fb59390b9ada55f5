import { availableParallelism, hostname, tmpdir } from 'node:os'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import convict from 'convict'
import { findPackageRoot, loadConfig, printableConfig, requestTopics, withoutEmpty } from '../../../src/config/load.js'
import type { LoadOptions } from '../../../src/config/load.js'
import { isIntelligenceError } from '../../../src/errors.js'

// The `t` a subtest callback receives, plugins (testdir) included.
type Tap = Parameters<Parameters<typeof t.test>[0]>[0]

const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version

function load (env: Record<string, string> = {}, extra: Omit<LoadOptions, 'env'> = {}) {
  return loadConfig({ env, ...extra })
}

/** The one-line refusal of a loadConfig call, after checking it is IC_CONFIG_INVALID with exit code 2. */
function refusal (t: Tap, env: Record<string, string>, extra: Omit<LoadOptions, 'env'> = {}): string {
  try {
    load(env, extra)
  } catch (err) {
    t.ok(isIntelligenceError(err), 'an IntelligenceError')
    if (!isIntelligenceError(err)) throw err
    t.equal(err.code, 'IC_CONFIG_INVALID')
    t.equal(err.exitCode, 2)
    t.notMatch(err.message, /\n/, 'one line')
    return err.message
  }
  t.fail('expected a refusal')
  return ''
}

const fixtureDirs = new WeakMap<Tap, string>()
let fileCount = 0

/** Writes `content` (JSON unless a string) to a new file in the test's fixture folder; returns its path. */
function configFile (t: Tap, content: unknown, name = 'config.json'): string {
  const dir = fixtureDirs.get(t) ?? t.testdir({})
  fixtureDirs.set(t, dir)
  const file = join(dir, `${++fileCount}-${name}`)
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

t.test('defaults resolve the auto values and freeze the result', async t => {
  const { config, warnings, sources } = load()
  t.same(config.kafka.brokers, ['127.0.0.1:9092'])
  t.equal(config.kafka.groupId, 'archon-intelligence')
  t.equal(config.kafka.autoOffsetReset, 'earliest')
  t.equal(config.kafka.sasl.mechanism, '')
  t.equal(config.topics.validateRequest, 'omninode.codegen.request.validate.v1')
  t.equal(config.topics.mixinResponse, 'omninode.codegen.response.mixin.v1')
  t.equal(config.topics.benchCpuRequest, '')
  t.equal(config.processing.maxInFlight, 100)
  t.equal(config.processing.queueHighWater, 100, 'auto high water = maxInFlight')
  t.equal(config.processing.queueLowWater, 50, 'auto low water = half the high mark')
  t.equal(config.pool.threads, availableParallelism())
  t.equal(config.service.sourceService, 'archon-intelligence')
  t.equal(config.service.sourceInstance, hostname())
  t.equal(config.service.sourceVersion, version)
  t.equal(config.kafka.enableAutoCommit, null)
  t.same(config.handlers, [])
  t.equal(config.http.port, 8080)
  t.equal(config.log.level, 'info')
  t.same(warnings, [])
  t.same(sources, ['defaults'])
  t.ok(Object.isFrozen(config) && Object.isFrozen(config.kafka.sasl) && Object.isFrozen(config.kafka.brokers))
  t.throws(() => { (config.processing as { maxInFlight: number }).maxInFlight = 1 }, TypeError)
})

t.test('env sets values, parsed strictly; empty env vars count as unset', async t => {
  const { config, sources } = load({
    KAFKA_BOOTSTRAP_SERVERS: ' a.example:9092, [::1]:9093 ,',
    KAFKA_MAX_IN_FLIGHT: '+50',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    KAFKA_SASL_USERNAME: 'svc',
    KAFKA_SASL_PASSWORD: 'hunter2',
    LOG_LEVEL: 'DEBUG',
    KAFKA_QUEUE_HIGH_WATER: '40',
    WORKER_THREADS: '3',
    SOURCE_INSTANCE: 'pod-1',
    SOURCE_VERSION: '9.9.9',
    KAFKA_CLIENT_ID: '',
    UNRELATED: 'x'
  })
  t.same(config.kafka.brokers, ['a.example:9092', '[::1]:9093'])
  t.equal(config.processing.maxInFlight, 50)
  t.equal(config.kafka.sasl.mechanism, 'scram-sha-256')
  t.equal(config.log.level, 'debug')
  t.equal(config.processing.queueHighWater, 40)
  t.equal(config.processing.queueLowWater, 20)
  t.equal(config.pool.threads, 3)
  t.equal(config.service.sourceInstance, 'pod-1')
  t.equal(config.service.sourceVersion, '9.9.9')
  t.equal(config.kafka.clientId, 'intelligence-consumer', 'KAFKA_CLIENT_ID="" leaves the default')
  t.same(sources, ['defaults', 'env KAFKA_BOOTSTRAP_SERVERS, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, ' +
    'KAFKA_MAX_IN_FLIGHT, KAFKA_QUEUE_HIGH_WATER, WORKER_THREADS, SOURCE_INSTANCE, SOURCE_VERSION, LOG_LEVEL'])
  t.same(withoutEmpty({ A: '', B: undefined, C: '0' }), { C: '0' })
})

t.test('booleans: true/false/1/0/yes/no in any case; empty is the default, not true (convict #380)', async t => {
  for (const word of ['true', 'TRUE', '1', 'yes', ' Yes ']) t.equal(load({ LOG_PRETTY: word }).config.log.pretty, true, word)
  for (const word of ['false', 'False', '0', 'no']) t.equal(load({ HTTP_ENABLED: word }).config.http.enabled, false, word)
  t.equal(load({ LOG_PRETTY: '' }).config.log.pretty, false)
  t.equal(load({ HTTP_ENABLED: '' }).config.http.enabled, true)
  t.equal(load({}, { configPath: configFile(t, { log: { pretty: 'yes' } }) }).config.log.pretty, true, 'a string in a file parses too')
  t.equal(refusal(t, { LOG_PRETTY: 'maybe' }),
    'invalid configuration: log.pretty (LOG_PRETTY) = "maybe": must be a boolean: true, false, 1, 0, yes or no')
})

t.test('env beats the file; the file beats the defaults', async t => {
  const file = configFile(t, { processing: { maxInFlight: 20, ordering: 'partition' }, kafka: { brokers: ['f:1', 'g:2'] } })
  const { config, sources } = load({ KAFKA_MAX_IN_FLIGHT: '30' }, { configPath: file })
  t.equal(config.processing.maxInFlight, 30)
  t.equal(config.processing.ordering, 'partition')
  t.same(config.kafka.brokers, ['f:1', 'g:2'])
  t.same(sources, ['defaults', `file ${file}`, 'env KAFKA_MAX_IN_FLIGHT'])
  t.same(load({}, { configPath: configFile(t, { kafka: { brokers: 'h:1,i:2' } }) }).config.kafka.brokers, ['h:1', 'i:2'],
    'a comma-separated string in a file is a list too')
})

t.test('a file per environment, chosen by NODE_ENV', async t => {
  const dev = load({ NODE_ENV: 'development' })
  t.equal(dev.config.processing.maxInFlight, 20)
  t.equal(dev.config.log.level, 'debug')
  t.same(dev.sources, ['defaults', `file ${join(root, 'config', 'development.json')}`])
  t.equal(load({}, { nodeEnv: 'production' }).config.processing.maxInFlight, 100)
  const small = load({}, { nodeEnv: 'memory-constrained' }).config
  t.equal(small.processing.maxInFlight, 50)
  t.equal(small.processing.maxInFlightBytes, 268435456)
  t.ok(small.pool.maxOldGenerationMb < 512)
  t.equal(load({ NODE_ENV: 'production' }, { nodeEnv: 'development' }).config.processing.maxInFlight, 20, 'nodeEnv wins over env.NODE_ENV')
  t.same(load({ NODE_ENV: 'development' }, { nodeEnv: '' }).sources, ['defaults'], 'nodeEnv "" reads no file')

  const staging = load({}, { nodeEnv: 'staging' })
  t.same(staging.warnings, [`NODE_ENV=staging but there is no ${join(root, 'config', 'staging.json')}: defaults and environment only`])
  t.same(staging.sources, ['defaults'])
  t.same(load({}, { nodeEnv: '../package' }).warnings, ['NODE_ENV "../package" is not a plain name: no config file read'])
})

t.test('--config PATH picks the file, before NODE_ENV', async t => {
  const file = configFile(t, { processing: { maxInFlight: 7 } })
  t.equal(load({ NODE_ENV: 'development' }, { argv: ['--config', file] }).config.processing.maxInFlight, 7)
  t.equal(load({}, { argv: ['--print-config', `--config=${file}`] }).config.processing.maxInFlight, 7)
  t.equal(load({}, { argv: ['--print-config'] }).config.processing.maxInFlight, 100)
  t.equal(load({}, { argv: ['--help'] }).config.processing.maxInFlight, 100)
  const other = configFile(t, { processing: { maxInFlight: 9 } }, 'other.json')
  t.equal(load({}, { argv: ['--config', file], configPath: other }).config.processing.maxInFlight, 9, 'configPath wins')
  const relative = load({}, { configPath: join('config', 'production.json') })
  t.same(relative.sources, ['defaults', `file ${resolve('config', 'production.json')}`], 'relative to the working directory')

  t.equal(refusal(t, {}, { configPath: '/nonexistent/ic.json' }), 'invalid configuration: cannot read config file /nonexistent/ic.json (ENOENT)')
  const broken = configFile(t, '{"processing": ')
  t.match(refusal(t, {}, { configPath: broken }), new RegExp(`^invalid configuration: ${broken} is not valid JSON: `))
  t.throws(() => load({}, { argv: ['--nope'] }), { code: 'IC_CLI_USAGE' })
})

t.test('an unknown key or a misshapen group in a file, named with the file', async t => {
  const keys = 'kafka, topics, processing, pool, service, handlers, http, health, log'
  let file = configFile(t, { processing: { max_in_flight: 5 } })
  t.equal(refusal(t, {}, { configPath: file }),
    `invalid configuration: processing.max_in_flight (in ${file}): unknown key; did you mean processing.maxInFlight?`)
  file = configFile(t, { Kafka: {} })
  t.equal(refusal(t, {}, { configPath: file }), `invalid configuration: Kafka (in ${file}): unknown key; did you mean kafka?`)
  file = configFile(t, { kafka: { sasl: { user: 'x' } } })
  t.equal(refusal(t, {}, { configPath: file }),
    `invalid configuration: kafka.sasl.user (in ${file}): unknown key; the keys here are mechanism, username, password`)
  file = configFile(t, '{"__proto__": {"polluted": true}}')
  t.equal(refusal(t, {}, { configPath: file }), `invalid configuration: __proto__ (in ${file}): unknown key; the keys here are ${keys}`)
  file = configFile(t, { log: 'debug' })
  t.equal(refusal(t, {}, { configPath: file }),
    `invalid configuration: log (in ${file}) = "debug": must be an object with the keys level, pretty`)
  file = configFile(t, [])
  t.equal(refusal(t, {}, { configPath: file }), `invalid configuration: top level (in ${file}) = []: must be an object with the keys ${keys}`)
})

t.test('wrong types and out-of-range values name the key, env var, value and what is allowed', async t => {
  t.equal(refusal(t, { KAFKA_MAX_IN_FLIGHT: '0' }),
    'invalid configuration: processing.maxInFlight (KAFKA_MAX_IN_FLIGHT) = "0": must be an integer between 1 and 10000')
  t.equal(refusal(t, { KAFKA_MAX_IN_FLIGHT: '10001' }),
    'invalid configuration: processing.maxInFlight (KAFKA_MAX_IN_FLIGHT) = "10001": must be an integer between 1 and 10000')
  t.equal(refusal(t, { KAFKA_MAX_IN_FLIGHT: '12abc' }),
    'invalid configuration: processing.maxInFlight (KAFKA_MAX_IN_FLIGHT) = "12abc": must be an integer between 1 and 10000')
  t.equal(refusal(t, { KAFKA_MAX_IN_FLIGHT: '1.5' }),
    'invalid configuration: processing.maxInFlight (KAFKA_MAX_IN_FLIGHT) = "1.5": must be an integer between 1 and 10000')
  t.equal(refusal(t, {}, { configPath: configFile(t, { processing: { maxInFlight: true } }) }),
    'invalid configuration: processing.maxInFlight (KAFKA_MAX_IN_FLIGHT) = true: must be an integer between 1 and 10000')
  t.equal(refusal(t, {}, { configPath: configFile(t, { processing: { maxInFlight: 'lots' } }) }),
    'invalid configuration: processing.maxInFlight (KAFKA_MAX_IN_FLIGHT) = "lots": must be an integer between 1 and 10000')
  t.equal(refusal(t, { KAFKA_SESSION_TIMEOUT_MS: '-1' }),
    'invalid configuration: kafka.sessionTimeoutMs (KAFKA_SESSION_TIMEOUT_MS) = "-1": must be an integer between 6000 and 300000')
  t.equal(refusal(t, { KAFKA_MAX_IN_FLIGHT_BYTES: String(2 ** 40 + 1) }),
    'invalid configuration: processing.maxInFlightBytes (KAFKA_MAX_IN_FLIGHT_BYTES) = "1099511627777": must be an integer between 0 and 1099511627776')
  t.equal(refusal(t, { KAFKA_CONSUMER_GROUP: '  ' }),
    'invalid configuration: kafka.groupId (KAFKA_CONSUMER_GROUP) = "  ": must be a non-empty string')
  t.equal(refusal(t, {}, { configPath: configFile(t, { kafka: { ssl: { caFile: 5 } } }) }),
    'invalid configuration: kafka.ssl.caFile (KAFKA_SSL_CA_FILE) = 5: must be a file path, or "" for none')
  let file = configFile(t, { kafka: { enableAutoCommit: { on: true } } })
  t.equal(refusal(t, {}, { configPath: file }),
    `invalid configuration: kafka.enableAutoCommit (in ${file}) = {"on":true}: must be a string, number or boolean (the value is ignored)`)
  t.equal(refusal(t, {}, { configPath: configFile(t, { kafka: { enableAutoCommit: [1] } }) }),
    'invalid configuration: kafka.enableAutoCommit (KAFKA_ENABLE_AUTO_COMMIT) = [1]: must be a string, number or boolean (the value is ignored)')
  const long = `bad topic ${'x'.repeat(300)}`
  t.equal(refusal(t, {}, { configPath: configFile(t, { topics: { analyzeRequest: long } }) }),
    `invalid configuration: topics.analyzeRequest (KAFKA_CODEGEN_ANALYZE_REQUEST) = ${JSON.stringify(long).slice(0, 197)}...: ` +
    'must be a Kafka topic name, 1 to 249 characters from a-z A-Z 0-9 . _ -', 'a long value is cut')
})

t.test('bad enum values list the allowed ones', async t => {
  t.equal(refusal(t, { KAFKA_ORDERING: 'random' }),
    'invalid configuration: processing.ordering (KAFKA_ORDERING) = "random": must be one of key, partition, unordered')
  t.equal(refusal(t, { KAFKA_SASL_MECHANISM: 'GSSAPI' }),
    'invalid configuration: kafka.sasl.mechanism (KAFKA_SASL_MECHANISM) = "GSSAPI": must be one of "" (none), plain, scram-sha-256, scram-sha-512')
  t.equal(refusal(t, { KAFKA_AUTO_OFFSET_RESET: 'none' }),
    'invalid configuration: kafka.autoOffsetReset (KAFKA_AUTO_OFFSET_RESET) = "none": must be one of earliest, latest')
  t.equal(load({ KAFKA_AUTO_OFFSET_RESET: 'Latest' }).config.kafka.autoOffsetReset, 'latest')
})

t.test('brokers and topic names', async t => {
  const brokers = 'must be a comma-separated list of host:port (port 1 to 65535)'
  t.equal(refusal(t, { KAFKA_BOOTSTRAP_SERVERS: 'localhost' }),
    `invalid configuration: kafka.brokers (KAFKA_BOOTSTRAP_SERVERS) = "localhost": ${brokers}`)
  t.equal(refusal(t, { KAFKA_BOOTSTRAP_SERVERS: 'a:9092,b:0' }),
    `invalid configuration: kafka.brokers (KAFKA_BOOTSTRAP_SERVERS) = "a:9092,b:0": ${brokers}`)
  t.equal(refusal(t, { KAFKA_BOOTSTRAP_SERVERS: ' , ' }),
    `invalid configuration: kafka.brokers (KAFKA_BOOTSTRAP_SERVERS) = " , ": ${brokers}`)
  t.equal(refusal(t, {}, { configPath: configFile(t, { kafka: { brokers: ['a:1', 9092] } }) }),
    `invalid configuration: kafka.brokers (KAFKA_BOOTSTRAP_SERVERS) = ["a:1",9092]: ${brokers}`)
  t.equal(refusal(t, { KAFKA_CODEGEN_VALIDATE_REQUEST: 'my topic' }),
    'invalid configuration: topics.validateRequest (KAFKA_CODEGEN_VALIDATE_REQUEST) = "my topic": must be a Kafka topic name, 1 to 249 characters from a-z A-Z 0-9 . _ -')
  t.match(refusal(t, { KAFKA_CODEGEN_VALIDATE_REQUEST: '..' }), /topics\.validateRequest .* = "\.\.": must be a Kafka topic name/)
  t.match(refusal(t, {}, { configPath: configFile(t, { topics: { validateResponse: '' } }) }), /= "": must be a Kafka topic name, 1 to 249 characters from a-z A-Z 0-9 \. _ -$/)
  t.equal(refusal(t, { KAFKA_BENCH_CPU_REQUEST: 'x'.repeat(250) }),
    `invalid configuration: topics.benchCpuRequest (KAFKA_BENCH_CPU_REQUEST) = "${'x'.repeat(196)}...: must be a Kafka topic name, 1 to 249 characters from a-z A-Z 0-9 . _ -, or "" to disable`)
  t.equal(load({ KAFKA_BENCH_CPU_REQUEST: 'bench.cpu.request.v1' }).config.topics.benchCpuRequest, 'bench.cpu.request.v1')
  t.equal(refusal(t, { KAFKA_DLQ_SUFFIX: '/dlq' }),
    'invalid configuration: topics.dlqSuffix (KAFKA_DLQ_SUFFIX) = "/dlq": must be a topic-name suffix, 1 to 64 characters from a-z A-Z 0-9 . _ -')
  t.equal(refusal(t, { KAFKA_CODEGEN_MIXIN_REQUEST: 'm'.repeat(240), KAFKA_DLQ_SUFFIX: '.dead-letters' }),
    `invalid configuration: topics.dlqSuffix (KAFKA_DLQ_SUFFIX) = ".dead-letters": makes the dead-letter topic of ${'m'.repeat(240)} longer than 249 characters`)
})

t.test('cross-field rules', async t => {
  t.equal(refusal(t, { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc' }),
    'invalid configuration: kafka.sasl.password (KAFKA_SASL_PASSWORD) = "": required when kafka.sasl.mechanism is scram-sha-512')
  t.equal(refusal(t, { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'hunter2' }),
    'invalid configuration: kafka.sasl.username (KAFKA_SASL_USERNAME) = "": required when kafka.sasl.mechanism is plain')
  t.equal(refusal(t, { KAFKA_QUEUE_HIGH_WATER: '50', KAFKA_QUEUE_LOW_WATER: '50' }),
    'invalid configuration: processing.queueLowWater (KAFKA_QUEUE_LOW_WATER) = "50": must be below processing.queueHighWater (50)')
  t.equal(refusal(t, { KAFKA_MAX_IN_FLIGHT: '10', KAFKA_QUEUE_LOW_WATER: '12' }),
    'invalid configuration: processing.queueLowWater (KAFKA_QUEUE_LOW_WATER) = "12": must be below processing.queueHighWater (10, from processing.maxInFlight)')
  t.equal(load({ KAFKA_QUEUE_HIGH_WATER: '50', KAFKA_QUEUE_LOW_WATER: '49' }).config.processing.queueLowWater, 49)
  t.equal(load({ KAFKA_QUEUE_HIGH_WATER: '1' }).config.processing.queueLowWater, 0, 'auto low mark of 1 is 0')
  t.equal(refusal(t, { KAFKA_HEARTBEAT_INTERVAL_MS: '10001' }),
    'invalid configuration: kafka.heartbeatIntervalMs (KAFKA_HEARTBEAT_INTERVAL_MS) = "10001": must be at most a third of kafka.sessionTimeoutMs (30000), i.e. at most 10000')
  t.equal(load({ KAFKA_HEARTBEAT_INTERVAL_MS: '10000' }).config.kafka.heartbeatIntervalMs, 10000)
  t.equal(refusal(t, { HANDLER_RETRY_BACKOFF_MS: '6000' }),
    'invalid configuration: processing.retryBackoffMaxMs (HANDLER_RETRY_BACKOFF_MAX_MS) = 5000: must be at least processing.retryBackoffMs (6000)')
})

t.test('TLS files must exist, and a certificate needs its key', async t => {
  const dir = t.testdir({ 'ca.pem': 'ca', 'cert.pem': 'cert', 'key.pem': 'key' })
  const ok = load({
    KAFKA_SSL_ENABLED: 'true',
    KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
    KAFKA_SSL_CERT_FILE: join(dir, 'cert.pem'),
    KAFKA_SSL_KEY_FILE: join(dir, 'key.pem'),
    KAFKA_SSL_KEY_PASSWORD: 'pass'
  })
  t.equal(ok.config.kafka.ssl.keyFile, join(dir, 'key.pem'))
  t.same(ok.warnings, [])
  t.equal(refusal(t, { KAFKA_SSL_ENABLED: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') }),
    `invalid configuration: kafka.ssl.caFile (KAFKA_SSL_CA_FILE) = ${JSON.stringify(join(dir, 'missing.pem'))}: must be a readable file`)
  t.equal(refusal(t, { KAFKA_SSL_ENABLED: 'true', KAFKA_SSL_CA_FILE: dir }),
    `invalid configuration: kafka.ssl.caFile (KAFKA_SSL_CA_FILE) = ${JSON.stringify(dir)}: must be a readable file`, 'a folder is not a file')
  t.equal(refusal(t, { KAFKA_SSL_CERT_FILE: join(dir, 'cert.pem') }),
    'invalid configuration: kafka.ssl.keyFile (KAFKA_SSL_KEY_FILE) = "": required when kafka.ssl.certFile is set')
  t.equal(refusal(t, { KAFKA_SSL_KEY_FILE: join(dir, 'key.pem') }),
    'invalid configuration: kafka.ssl.certFile (KAFKA_SSL_CERT_FILE) = "": required when kafka.ssl.keyFile is set')
})

t.test('handlers come from the file; relative modules resolve against its folder', async t => {
  const withHandlers = configFile(t, {
    handlers: [
      { module: './handlers/a.js', eventTypes: ['x.do'], topics: ['x.request.v1'], responseTopic: 'x.response.v1', options: { depth: 3 } },
      { module: '../b.js', export: 'handler' },
      { module: 'some-package' },
      { module: '/abs/c.js' }
    ]
  })
  const { config } = load({}, { configPath: withHandlers })
  const dir = dirname(withHandlers)
  t.same(config.handlers, [
    { module: join(dir, 'handlers/a.js'), export: 'default', eventTypes: ['x.do'], topics: ['x.request.v1'], responseTopic: 'x.response.v1', options: { depth: 3 } },
    { module: resolve(dir, '../b.js'), export: 'handler', eventTypes: [], topics: [], responseTopic: '', options: {} },
    { module: 'some-package', export: 'default', eventTypes: [], topics: [], responseTopic: '', options: {} },
    { module: '/abs/c.js', export: 'default', eventTypes: [], topics: [], responseTopic: '', options: {} }
  ])
  t.ok(Object.isFrozen(config.handlers[0]?.options))
  t.same(requestTopics(config).slice(-1), ['x.request.v1'], 'handler topics need dead-letter topics too')

  const refused = (handlers: unknown): string => refusal(t, {}, { configPath: configFile(t, { handlers }) })
  const file = configFile(t, { handlers: { module: 'x' } }, 'object.json')
  t.equal(refusal(t, {}, { configPath: file }), `invalid configuration: handlers (in ${file}) = {"module":"x"}: ` +
    'must be a list of {module, export, eventTypes, topics, responseTopic, options} (config file only)')
  t.equal(refused('x'), 'invalid configuration: handlers = "x": must be a list of handler entries')
  t.equal(refused(['x']), 'invalid configuration: handlers[0] = "x": must be an object with at least "module"')
  t.equal(refused([{ module: 'x' }, { module: 'y', topic: 'z' }]),
    'invalid configuration: handlers[1].topic = "z": unknown key; allowed: module, export, eventTypes, topics, responseTopic, options')
  t.equal(refused([{ export: 'x' }]),
    'invalid configuration: handlers[0].module = undefined: must be a module path (absolute, or relative to the config file) or a package name')
  t.equal(refused([{ module: 'x', export: 'not-an-identifier' }]), 'invalid configuration: handlers[0].export = "not-an-identifier": must be an export name')
  t.equal(refused([{ module: 'x', eventTypes: 'a' }]), 'invalid configuration: handlers[0].eventTypes = "a": must be a list of non-empty event type names')
  t.equal(refused([{ module: 'x', topics: ['bad topic'] }]), 'invalid configuration: handlers[0].topics = ["bad topic"]: must be a list of Kafka topic names')
  t.equal(refused([{ module: 'x', topics: ['t'] }]),
    'invalid configuration: handlers[0].responseTopic = "": must be a Kafka topic name (required when "topics" is not empty)')
  t.equal(refused([{ module: 'x', responseTopic: 7 }]),
    'invalid configuration: handlers[0].responseTopic = 7: must be a Kafka topic name (required when "topics" is not empty)')
  t.equal(refused([{ module: 'x', options: [] }]), 'invalid configuration: handlers[0].options = []: must be an object')
})

t.test('secrets are masked in refusals and in the printed configuration', async t => {
  t.equal(refusal(t, {}, { configPath: configFile(t, { kafka: { sasl: { password: 12345 } } }) }),
    'invalid configuration: kafka.sasl.password (KAFKA_SASL_PASSWORD) = "***": must be a string')
  const { config } = load({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 's3cr3t-value' })
  const printed = printableConfig(config)
  t.notMatch(printed, 's3cr3t-value')
  const parsed = JSON.parse(printed) as { kafka: { sasl: { password: string, username: string }, ssl: { keyPassword: string } } }
  t.equal(parsed.kafka.sasl.password, '***')
  t.equal(parsed.kafka.sasl.username, 'svc')
  t.equal(parsed.kafka.ssl.keyPassword, '', 'an unset secret stays visibly unset')
  t.same({ ...parsed, kafka: { ...parsed.kafka, sasl: config.kafka.sasl } }, JSON.parse(JSON.stringify(config)), 'everything else as loaded')
})

t.test('compatibility-only and inert settings are accepted with a warning', async t => {
  const { config, warnings } = load({ KAFKA_ENABLE_AUTO_COMMIT: 'True', KAFKA_MAX_POLL_RECORDS: '500' })
  t.equal(config.kafka.enableAutoCommit, 'True')
  t.same(warnings, [
    'kafka.enableAutoCommit (KAFKA_ENABLE_AUTO_COMMIT) is set but ignored: offsets are committed only once every earlier event is finished',
    'kafka.maxPollRecords (KAFKA_MAX_POLL_RECORDS) is set but ignored: fetching is bounded by processing.queueHighWater and the fetch byte limits'
  ])
  const sasl = 'kafka.sasl.username or kafka.sasl.password is set but kafka.sasl.mechanism (KAFKA_SASL_MECHANISM) is empty: SASL is off'
  t.same(load({ KAFKA_SASL_USERNAME: 'svc' }).warnings, [sasl])
  t.same(load({ KAFKA_SASL_PASSWORD: 'pw' }).warnings, [sasl])
  t.same(load({ KAFKA_SSL_KEY_PASSWORD: 'pw' }).warnings,
    ['kafka.ssl files are set but kafka.ssl.enabled (KAFKA_SSL_ENABLED) is false: TLS is off'])
  t.same(load({ KAFKA_SSL_ENABLED: 'yes' }).warnings, [])
})

t.test('the formats are registered with convict, so its strict validation applies the same rules', async t => {
  const store = convict({
    n: { doc: 'n', default: 0, format: 'ic-int', env: 'N', min: 1, max: 2 },
    b: { doc: 'b', default: false, format: 'ic-boolean', env: 'B' }
  }, { env: { B: 'no' }, args: [] })
  t.equal(store.get('b'), false)
  t.throws(() => store.validate({ allowed: 'strict' }), /n: must be an integer between 1 and 2/)
})

t.test('the package root is found by walking up', async t => {
  t.equal(findPackageRoot(join(root, 'src', 'config')), root)
  t.throws(() => findPackageRoot(mkdtempSync(join(tmpdir(), 'ic-no-pkg-'))), /no package.json in /)
})
