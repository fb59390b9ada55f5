import t from 'tap'
import { configDocs, isBroker, isLegalTopic, parseBoolean, parseBrokerList, parseInteger, schema, settings } from '../../../src/config/schema.js'

t.test('every setting has a doc and, except handlers, one env var of its own', async t => {
  const all = settings()
  const envs = all.flatMap(([, s]) => (s.env === undefined ? [] : [s.env]))
  t.equal(new Set(envs).size, envs.length, 'no env var is shared')
  t.same(all.filter(([, s]) => s.env === undefined).map(([key]) => key), ['handlers'])
  for (const [key, s] of all) t.ok(s.doc.length > 10, `${key} has a doc`)
  t.same(all.filter(([, s]) => s.sensitive).map(([key]) => key), ['kafka.sasl.password', 'kafka.ssl.keyPassword'])
})

t.test('the contract\'s env var names and defaults are kept', async t => {
  t.equal(schema.kafka.brokers.env, 'KAFKA_BOOTSTRAP_SERVERS')
  t.equal(schema.kafka.groupId.env, 'KAFKA_CONSUMER_GROUP')
  t.equal(schema.kafka.groupId.default, 'archon-intelligence')
  t.equal(schema.kafka.autoOffsetReset.default, 'earliest')
  t.equal(schema.kafka.sessionTimeoutMs.default, 30000)
  t.equal(schema.processing.maxInFlight.env, 'KAFKA_MAX_IN_FLIGHT')
  t.equal(schema.processing.maxInFlight.default, 100)
  t.equal(schema.topics.patternRequest.env, 'KAFKA_CODEGEN_PATTERN_REQUEST')
  t.equal(schema.topics.patternRequest.default, 'omninode.codegen.request.pattern.v1')
  t.equal(schema.kafka.enableAutoCommit.env, 'KAFKA_ENABLE_AUTO_COMMIT')
  t.equal(schema.kafka.maxPollRecords.env, 'KAFKA_MAX_POLL_RECORDS')
})

t.test('configDocs gives one row per setting, defaults written as in env', async t => {
  const rows = configDocs()
  t.equal(rows.length, settings().length)
  const row = (key: string) => rows.find(r => r.key === key)
  t.same(row('kafka.brokers'), {
    key: 'kafka.brokers',
    env: 'KAFKA_BOOTSTRAP_SERVERS',
    default: '127.0.0.1:9092',
    doc: schema.kafka.brokers.doc,
    format: 'a comma-separated list of host:port (port 1 to 65535)'
  })
  t.equal(row('processing.maxInFlight')?.format, 'an integer between 1 and 10000')
  t.equal(row('kafka.sasl.mechanism')?.format, 'one of "" (none), plain, scram-sha-256, scram-sha-512')
  t.equal(row('kafka.enableAutoCommit')?.default, '')
  t.equal(row('handlers')?.env, '')
  t.equal(row('handlers')?.default, '[]')
  t.equal(row('log.pretty')?.default, 'false')
  t.equal(row('kafka.sasl.username')?.format, 'a string')
  t.equal(row('topics.benchCpuRequest')?.format, 'a Kafka topic name, 1 to 249 characters from a-z A-Z 0-9 . _ -, or "" to disable')
})

t.test('env parsing is strict: what does not parse is kept, for the refusal to quote', async t => {
  t.equal(parseBoolean('Yes'), true)
  t.equal(parseBoolean('0'), false)
  t.equal(parseBoolean('on'), 'on')
  t.equal(parseInteger(' 42 '), 42)
  t.equal(parseInteger('-3'), -3)
  t.equal(parseInteger('4e3'), '4e3')
  t.equal(parseInteger('0x10'), '0x10')
  t.same(parseBrokerList('a:1,,b:2 '), ['a:1', 'b:2'])
})

t.test('broker addresses and topic names', async t => {
  for (const ok of ['localhost:9092', 'kafka-0.kafka.svc.cluster.local:9093', '10.0.0.1:1', '[::1]:65535']) t.ok(isBroker(ok), ok)
  for (const bad of ['localhost', 'host:', ':9092', 'host:65536', 'host:0', 'ho st:1', '-host:1', 9092]) t.notOk(isBroker(bad), String(bad))
  for (const ok of ['a', 'omninode.codegen.request.validate.v1', 'x_y-z', 'a'.repeat(249)]) t.ok(isLegalTopic(ok), ok)
  for (const bad of ['', '.', '..', 'a b', 'a/b', 'a'.repeat(250), 'ü']) t.notOk(isLegalTopic(bad), bad)
})
