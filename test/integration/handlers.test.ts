// The built-in handlers through the real broker, as a producer of the old service would talk to them,
// and a plugin handler added through a configuration file.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IntelligenceKafkaConsumer } from '../../src/consumer/intelligence-consumer.js'
import { consumerOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { RESPONSE_FIELDS } from '../../src/schemas/envelopes.js'
import { brokers, createTopics, produce, readRecords, serviceTopics, unique, until } from '../helpers/kafka.js'
import { timedHandlerModule } from '../helpers/consumer.js'
import { GOOD_PYTHON } from '../workers/fixtures/code.js'

const types = ['validate', 'analyze', 'pattern', 'mixin'] as const

t.test('the four handlers answer contract requests with the contract envelope', async t => {
  const names = Object.fromEntries(types.flatMap(type => [
    [`${type}Request`, unique(`req-${type}`)], [`${type}Response`, unique(`resp-${type}`)]
  ])) as Record<`${typeof types[number]}${'Request' | 'Response'}`, string>
  await createTopics([...Object.values(names), ...types.map(type => names[`${type}Request`] + '.dlq')], 1)
  const requests = [
    { topic: names.validateRequest, event_type: 'codegen.request.validate', payload: { code_content: GOOD_PYTHON, node_type: 'effect', file_path: 'src/nodes/node_user_effect.py' } },
    { topic: names.validateRequest, event_type: 'omninode.codegen.request.validate.v1', payload: { code_content: 'function f(x: any) { return x }', file_path: 'a.ts' } },
    { topic: names.validateRequest, event_type: undefined, payload: { code_content: 'def broken(:\n  pass\n' } },
    { topic: names.validateRequest, event_type: 'code.validate', payload: {} },
    { topic: names.analyzeRequest, event_type: 'prd.analyze', payload: { prd_content: 'Users upload invoices. The system validates totals, stores them in a database and notifies accounting.' } },
    { topic: names.patternRequest, event_type: 'pattern.match', payload: { node_description: 'effect node that writes user records to PostgreSQL with retry', node_type: 'effect' } },
    { topic: names.mixinRequest, event_type: 'mixin.recommend', payload: { requirements: ['retry on failure', 'cache results', 'emit metrics'], node_type: 'effect' } }
  ].map(r => ({ ...r, event_id: randomUUID(), correlation_id: randomUUID() }))
  for (const r of requests) {
    const { topic, ...envelope } = r
    await produce(topic, [{ key: r.correlation_id, value: JSON.stringify({ ...envelope, timestamp: new Date().toISOString(), metadata: { source: 'test' } }) }])
  }
  const consumer = new IntelligenceKafkaConsumer({ bootstrapServers: brokers, groupId: unique('handlers'), topicNames: names, threads: 2, commitIntervalMs: 100 })
  await consumer.start()
  t.teardown(() => consumer.stop())
  await until(() => consumer.getMetrics().events_processed === requests.length, 60_000, 'all answered')

  const byId = new Map<string, { key: string | null, env: Record<string, any> }>()
  for (const type of types) {
    const expected = requests.filter(r => r.topic === names[`${type}Request`]).length
    for (const rec of await readRecords(names[`${type}Response`], expected)) {
      const env = JSON.parse(rec.value.toString())
      byId.set(env.correlation_id, { key: rec.key, env })
    }
  }
  for (const r of requests) {
    const got = byId.get(r.correlation_id)
    t.ok(got, `answered ${r.event_type ?? '(inferred from topic)'}`)
    if (got === undefined) continue
    t.equal(got.key, r.correlation_id, 'key = correlation_id')
    t.same(Object.keys(got.env), [...RESPONSE_FIELDS], 'the contract envelope, field for field')
    t.equal(got.env.causation_id, r.event_id, 'causation_id = request event_id')
    t.equal(got.env.event_type, 'CUSTOM')
    t.equal(got.env.source_service, 'archon-intelligence')
  }
  const [good, ts, broken, missing, prd, pattern, mixin] = requests.map(r => byId.get(r.correlation_id)?.env)
  t.equal(good?.payload_type, 'CodegenValidateResponse')
  t.equal(good?.payload.is_valid, true, 'modern ONEX Python scores valid')
  t.equal(ts?.payload.onex_compliance_score, 0, 'Any types are a critical pattern in TypeScript too')
  t.equal(broken?.payload.is_valid, false)
  t.ok(broken?.payload.details.syntax_errors.length > 0, 'syntax error located')
  t.equal(missing?.priority, 'HIGH', 'missing code_content: the error response')
  t.equal(missing?.payload.details.error_code, 'VALIDATION_ERROR')
  t.match(missing?.payload.violations[0], /^Handler error: /)
  t.equal(prd?.payload_type, 'CodegenAnalyzeResponse')
  t.ok(prd?.payload.concepts.length > 0)
  t.equal(pattern?.payload_type, 'CodegenPatternResponse')
  t.ok(pattern?.payload.count > 0, 'similar nodes found in the shipped catalog')
  t.equal(mixin?.payload_type, 'CodegenMixinResponse')
  t.ok(mixin?.payload.recommendations.some((x: { mixin_name: string }) => x.mixin_name === 'RetryMixin'))
  t.equal(consumer.getMetrics().error_responses, 1)
})

t.test('a plugin handler added through a configuration file, without touching src/', async t => {
  const requestTopic = unique('plugin-req')
  const responseTopic = unique('plugin-resp')
  await createTopics([requestTopic, responseTopic, requestTopic + '.dlq'], 1)
  const dir = mkdtempSync(join(tmpdir(), 'ic-plugin-'))
  const file = join(dir, 'plugin.json')
  writeFileSync(file, JSON.stringify({
    handlers: [{ module: timedHandlerModule, export: 'timed', topics: [requestTopic], responseTopic, eventTypes: ['custom.timed'] }]
  }))
  // The built-in handlers stay routed too (on topics of their own here, which the service checks exist).
  const builtins = await serviceTopics('plugin-builtins')
  const { config } = loadConfig({ env: { ...builtins.env, KAFKA_BOOTSTRAP_SERVERS: brokers.join(','), KAFKA_CONSUMER_GROUP: unique('plugin') }, configPath: file })
  const consumer = new IntelligenceKafkaConsumer({ ...consumerOptions(config), threads: 1 })
  const id = randomUUID()
  await produce(requestTopic, [
    { key: id, value: JSON.stringify({ correlation_id: id, event_type: 'custom.timed', payload: { cpu_ms: 1, hello: 'world' } }) }
  ])
  await consumer.start()
  t.teardown(() => consumer.stop())
  const [rec] = await readRecords(responseTopic, 1)
  const env = JSON.parse(rec?.value.toString() ?? '{}')
  t.equal(env.payload_type, 'TimedResponse')
  t.equal(env.payload.hello, 'world')
  t.equal(env.correlation_id, id)
})
