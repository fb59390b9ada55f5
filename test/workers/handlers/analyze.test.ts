import t from 'tap'
import { analyzeHandler } from '../../../workers/handlers/analyze.js'
import { HandlerInputError, type JsonObject } from '../../../workers/handlers/types.js'
import { GOOD_PYTHON, GOOD_TYPESCRIPT } from '../fixtures/code.js'
import { ctx } from '../fixtures/context.js'

const PRD = `# User onboarding service

The onboarding workflow coordinates account creation across several steps. The UserService stores new
user profiles in PostgreSQL and sends a welcome email through the NotificationGateway. A scoring step
calculates a fraud risk score for each signup. The ActivityReducer aggregates signup events into daily
totals per region. Failed steps retry with backoff, and the workflow compensates partial signups.
The UserService publishes an AccountCreated event to Kafka.`

interface Concept { name: string, confidence: number, type: string, context: string }
const run = async (payload: JsonObject): Promise<JsonObject> => await analyzeHandler.handle(payload, ctx())

t.test('PRD text: concepts, entities, relationships, keywords and hints', async t => {
  const r = await run({ prd_content: PRD, analysis_type: 'full', min_confidence: 0.6 }) as {
    concepts: Concept[], entities: Array<{ name: string, type: string }>, relationships: Array<{ source: string, target: string, type: string }>,
    domain_keywords: string[], node_type_hints: Record<string, number>, confidence: number, metadata: JsonObject
  }
  t.ok(r.concepts.length > 0)
  for (const c of r.concepts) {
    t.ok(c.confidence >= 0.6 && c.confidence <= 1, c.name)
    t.ok(c.context.length > 0, `${c.name} has context`)
  }
  t.ok(r.concepts.some(c => c.name === 'workflow'))
  const names = r.entities.map(e => e.name)
  for (const n of ['UserService', 'PostgreSQL', 'Kafka']) t.ok(names.includes(n), n)
  t.equal(r.entities.find(e => e.name === 'PostgreSQL')?.type, 'technology')
  t.ok(r.relationships.some(rel => rel.source === 'UserService' && rel.target === 'PostgreSQL' && rel.type === 'stores_in'))
  t.ok(r.domain_keywords.includes('workflow'))
  const hints = r.node_type_hints
  t.same(Object.keys(hints).sort(), ['compute', 'effect', 'orchestrator', 'reducer'])
  t.ok(Math.abs(Object.values(hints).reduce((a, b) => a + b, 0) - 1) < 0.01)
  t.ok(r.confidence > 0 && r.confidence <= 1)
  t.equal(r.metadata.source, 'prd_content')
  t.type(r.metadata.processing_time_ms, 'number')
})

t.test('analysis_type and min_confidence shape the answer', async t => {
  const quick = await run({ prd_content: PRD, analysis_type: 'quick', min_confidence: 0 }) as { concepts: unknown[], relationships: unknown[] }
  const detailed = await run({ prd_content: PRD, analysis_type: 'detailed', min_confidence: 0 }) as { concepts: unknown[], relationships: unknown[] }
  t.ok(quick.concepts.length <= 10)
  t.same(quick.relationships, [])
  t.ok(detailed.concepts.length > quick.concepts.length)
  const strict = await run({ prd_content: PRD, min_confidence: 0.99 }) as { concepts: Concept[] }
  for (const c of strict.concepts) t.ok(c.confidence >= 0.99)
  const unknownType = await run({ prd_content: 'x', analysis_type: 'bogus' }) as { metadata: JsonObject }
  t.equal(unknownType.metadata.analysis_type, 'full')
})

t.test('text with no domain words has zero hints', async t => {
  const r = await run({ prd_content: 'the of and a' }) as { node_type_hints: Record<string, number>, confidence: number, concepts: unknown[] }
  t.same(r.node_type_hints, { effect: 0, compute: 0, reducer: 0, orchestrator: 0 })
  t.same(r.concepts, [])
  t.equal(r.confidence, 0)
})

t.test('code: entities, relationships and complexity', async t => {
  const r = await run({ code_content: GOOD_PYTHON }) as {
    entities: Array<{ name: string, type: string }>, relationships: Array<{ source: string, target: string, type: string }>,
    complexity: JsonObject, node_type_hints: Record<string, number>, metadata: JsonObject
  }
  t.ok(r.entities.some(e => e.name === 'NodeUserEffect' && e.type === 'class'))
  t.ok(r.entities.some(e => e.name === 'NodeUserEffect.execute_effect' && e.type === 'method'))
  t.ok(r.entities.some(e => e.name === 'pydantic' && e.type === 'import'))
  t.ok(r.relationships.some(x => x.type === 'inherits' && x.source === 'NodeUserEffect' && x.target === 'NodeEffect'))
  t.ok(r.relationships.some(x => x.type === 'imports' && x.target === 'omnibase.protocols'))
  t.ok(r.relationships.some(x => x.type === 'calls' && x.source === 'execute_effect' && x.target === 'contract.model_dump'))
  t.equal(r.complexity.max, 4)
  t.equal(r.metadata.language, 'python')
  const ts = await run({ code_content: GOOD_TYPESCRIPT, language: 'typescript' }) as { entities: Array<{ name: string }>, metadata: JsonObject }
  t.ok(ts.entities.some(e => e.name === 'NodeUserEffect.executeEffect'))
  t.equal(ts.metadata.language, 'typescript')
})

t.test('one of prd_content / code_content is required', async t => {
  await t.rejects(run({}), HandlerInputError)
  await t.rejects(run({ prd_content: '   ' }), { message: 'Missing required field: prd_content (or code_content)' })
  await t.rejects(run({ prd_content: 3 }), HandlerInputError)
})
