import t from 'tap'
import { CANDIDATES, MIXINS, mixinHandler, requirementsText } from '../../../workers/handlers/mixin.js'
import { HandlerInputError, type JsonObject } from '../../../workers/handlers/types.js'
import { ctx } from '../fixtures/context.js'

interface Rec { mixin_name: string, confidence: number, reason: string, required_config: JsonObject }
const run = async (payload: JsonObject): Promise<{ recommendations: Rec[], count: number, avg_confidence: number }> =>
  await mixinHandler.handle(payload, ctx()) as never

t.test('every candidate has a spec', async t => {
  for (const names of Object.values(CANDIDATES)) for (const n of names) t.ok(MIXINS[n], n)
  t.same(CANDIDATES.effect, ['EventBusMixin', 'CachingMixin', 'HealthCheckMixin', 'MetricsMixin', 'RetryMixin', 'CircuitBreakerMixin'])
})

t.test('confidence is the share of keywords found', async t => {
  const r = await run({ requirements: ['Retry transient failures with exponential backoff', 'Cache lookups in Redis with a TTL'], node_type: 'effect' })
  const retry = r.recommendations.find(x => x.mixin_name === 'RetryMixin')
  t.equal(retry?.confidence, 0.667, '4 of 6 keywords')
  t.match(retry?.reason, /retry, transient, backoff, failure/)
  t.same(retry?.required_config, MIXINS.RetryMixin?.requiredConfig)
  t.equal(r.recommendations.find(x => x.mixin_name === 'CachingMixin')?.confidence, 0.667, 'cache, ttl, redis, lookup')
  t.equal(r.count, r.recommendations.length)
  const confidences = r.recommendations.map(x => x.confidence)
  t.same(confidences, [...confidences].sort((a, b) => b - a))
  t.equal(r.avg_confidence, Math.round(confidences.reduce((a, b) => a + b, 0) / confidences.length * 1000) / 1000)
})

t.test('candidates depend on the node type; a string works too', async t => {
  const r = await run({ requirements: 'Aggregate counts per window and keep a state snapshot', node_type: 'reducer' })
  t.same(r.recommendations.map(x => x.mixin_name).sort(), ['AggregationMixin', 'StateManagementMixin'])
  const none = await run({ requirements: 'nothing relevant here', node_type: 'compute' })
  t.same(none, { recommendations: [], count: 0, avg_confidence: 0 })
})

t.test('requirements are required', async t => {
  await t.rejects(run({}), HandlerInputError)
  await t.rejects(run({ requirements: [] }), { message: 'Missing required field: requirements' })
  await t.rejects(run({ requirements: '  ' }), HandlerInputError)
  await t.rejects(run({ requirements: 7 }), { message: 'Field requirements must be a list of strings or a string' })
  t.equal(requirementsText(['a', 3, 'b']), 'a\nb')
})
