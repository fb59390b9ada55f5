// Response shapes against the contract's field lists (CONTRACT.md, "Payloads per handler"): exact key
// sets, so an added or renamed field is a deliberate, reviewed change.
import t from 'tap'
import { builtinHandlers, analyzeHandler, mixinHandler, patternHandler, validateHandler } from '../../../workers/handlers/index.js'
import type { JsonObject } from '../../../workers/handlers/types.js'
import { GOOD_PYTHON } from '../fixtures/code.js'
import { ctx } from '../fixtures/context.js'

const keys = (o: unknown): string[] => Object.keys(o as JsonObject).sort()

t.test('the four built-in handlers with distinct names and event types', async t => {
  t.same(builtinHandlers.map(h => h.name), ['validate', 'analyze', 'pattern', 'mixin'])
  t.same(builtinHandlers.map(h => h.errorCode), ['VALIDATION_ERROR', 'ANALYSIS_ERROR', 'PATTERN_MATCHING_ERROR', 'MIXIN_ERROR'])
  t.same(builtinHandlers.map(h => h.payloadType), ['CodegenValidateResponse', 'CodegenAnalyzeResponse', 'CodegenPatternResponse', 'CodegenMixinResponse'])
  const all = builtinHandlers.flatMap(h => h.eventTypes)
  t.equal(new Set(all).size, all.length)
})

t.test('validate', async t => {
  const r = await validateHandler.handle({ code_content: GOOD_PYTHON }, ctx())
  t.same(keys(r), ['architectural_era', 'details', 'is_valid', 'onex_compliance_score', 'quality_score', 'suggestions', 'violations', 'warnings'])
  t.same(keys(r.details), [
    'cyclomatic_complexity', 'docstring_coverage', 'halstead_volume', 'language', 'legacy_indicators', 'lines_of_code',
    'maintainability_index', 'max_nesting_depth', 'node_type', 'omnibase_violations', 'relevance_score', 'rule_hits',
    'syntax_error_count', 'syntax_errors', 'truncated', 'type_annotation_coverage', 'validation_timestamp', 'validator_source'
  ])
})

t.test('analyze (prd and code)', async t => {
  const prd = await analyzeHandler.handle({ prd_content: 'The workflow stores users in PostgreSQL. The workflow sends email.', min_confidence: 0 }, ctx())
  t.same(keys(prd), ['concepts', 'confidence', 'domain_keywords', 'entities', 'metadata', 'node_type_hints', 'relationships'])
  t.same(keys((prd.concepts as unknown[])[0]), ['confidence', 'context', 'name', 'type'])
  t.same(keys(prd.node_type_hints), ['compute', 'effect', 'orchestrator', 'reducer'])
  t.ok(keys(prd.metadata).includes('processing_time_ms'))
  const code = await analyzeHandler.handle({ code_content: GOOD_PYTHON }, ctx())
  t.same(keys(code), ['complexity', 'concepts', 'confidence', 'domain_keywords', 'entities', 'metadata', 'node_type_hints', 'relationships'])
})

t.test('pattern', async t => {
  const r = await patternHandler.handle({ node_description: 'publish events to kafka' }, ctx())
  t.same(keys(r), ['avg_similarity', 'count', 'similar_nodes'])
  const node = (r.similar_nodes as unknown[])[0]
  t.same(keys(node), ['code_snippets', 'contracts', 'description', 'metadata', 'mixins_used', 'node_id', 'similarity_score'])
  t.same(keys((node as JsonObject).metadata), ['complexity', 'last_used', 'node_type', 'success_rate', 'usage_count'])
})

t.test('mixin', async t => {
  const r = await mixinHandler.handle({ requirements: ['retry with backoff'] }, ctx())
  t.same(keys(r), ['avg_confidence', 'count', 'recommendations'])
  t.same(keys((r.recommendations as unknown[])[0]), ['confidence', 'mixin_name', 'reason', 'required_config'])
})
