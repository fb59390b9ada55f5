import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultCatalogPath, loadCatalog, packageRoot, patternHandler } from '../../../workers/handlers/pattern.js'
import { HandlerInputError, type JsonObject } from '../../../workers/handlers/types.js'
import { ctx } from '../fixtures/context.js'

interface Similar { node_id: string, similarity_score: number, metadata: JsonObject }
const run = async (payload: JsonObject, options: Record<string, unknown> = {}): Promise<{ similar_nodes: Similar[], count: number, avg_similarity: number }> =>
  await patternHandler.handle(payload, ctx(options)) as never

t.test('the shipped catalog loads from the package root', async t => {
  t.equal(defaultCatalogPath(), join(packageRoot(), 'config', 'patterns.json'))
  const { patterns } = loadCatalog(defaultCatalogPath())
  t.ok(patterns.length >= 20)
  t.equal(new Set(patterns.map(p => p.node_id)).size, patterns.length)
  t.throws(() => packageRoot('/'), /no package.json/)
})

t.test('realistic queries pass the default 0.7 threshold and find the right node first', async t => {
  const cases: Array<[string, string]> = [
    ['effect node that writes user records to PostgreSQL with retry', 'node_postgres_user_writer_effect'],
    ['publish events to kafka', 'node_kafka_event_publisher_effect'],
    ['compute node calculating order prices with tax', 'node_price_calculator_compute'],
    ['orchestrate a saga for order checkout with compensation', 'node_order_saga_orchestrator'],
    ['reducer that aggregates metrics into windows', 'node_metrics_aggregator_reducer'],
    ['cache values in redis with ttl', 'node_redis_cache_effect']
  ]
  for (const [query, expected] of cases) {
    const r = await run({ node_description: query })
    t.equal(r.similar_nodes[0]?.node_id, expected, query)
    t.ok((r.similar_nodes[0]?.similarity_score ?? 0) >= 0.7, query)
  }
})

t.test('unrelated text matches nothing; scores are ordered and bounded', async t => {
  t.same(await run({ node_description: 'banana smoothie recipe with yogurt', score_threshold: 0 }), { similar_nodes: [], count: 0, avg_similarity: 0 })
  const r = await run({ node_description: 'effect node', score_threshold: 0, limit: 50 })
  t.equal(r.count, r.similar_nodes.length)
  const scores = r.similar_nodes.map(n => n.similarity_score)
  t.same(scores, [...scores].sort((a, b) => b - a))
  for (const s of scores) t.ok(s > 0 && s <= 1)
})

t.test('limit, threshold and node_type filter', async t => {
  t.equal((await run({ node_description: 'node', score_threshold: 0, limit: 3 })).count, 3)
  const reducers = await run({ node_description: 'node that stores state', node_type: 'reducer', score_threshold: 0, limit: 100 })
  t.ok(reducers.count > 0)
  for (const n of reducers.similar_nodes) t.equal(n.metadata.node_type, 'reducer')
  t.equal((await run({ node_description: 'publish events to kafka', score_threshold: 0.99 })).count, 0)
})

t.test('catalog path from options; a broken catalog is a handler failure, not an input error', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'patterns-'))
  const good = join(dir, 'good.json')
  writeFileSync(good, JSON.stringify([{ node_id: 'only', description: 'sends sms messages', node_type: 'effect', mixins_used: [], contracts: [], code_snippets: [], metadata: { complexity: 'low', success_rate: 1, usage_count: 1, last_used: '2025-01-01' } }]))
  const r = await run({ node_description: 'send sms messages' }, { catalogPath: good })
  t.same(r.similar_nodes.map(n => n.node_id), ['only'])
  const bad = join(dir, 'bad.json')
  writeFileSync(bad, JSON.stringify({ patterns: [{ node_id: 'x' }] }))
  await t.rejects(run({ node_description: 'x' }, { catalogPath: bad }), /lacks node_id/)
  const notList = join(dir, 'notlist.json')
  writeFileSync(notList, JSON.stringify({ nothing: true }))
  await t.rejects(run({ node_description: 'x' }, { catalogPath: notList }), /no "patterns" list/)
})

t.test('node_description is required', async t => {
  await t.rejects(run({}), HandlerInputError)
  await t.rejects(run({ node_description: '' }), HandlerInputError)
})
