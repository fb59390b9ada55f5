// analyze: requirement text (`prd_content`) → concepts, entities, keywords and node-type hints, computed
// locally; or code (`code_content`) → classes/functions/imports, calls/inheritance/imports and complexity
// from the same parsers validate uses.
import { analyzeCode, detectLanguage } from '../analysis/code.js'
import { analyzeText, hintsFor, type AnalysisType, type TextAnalysis } from '../analysis/prd.js'
import { stem, tokenize } from '../analysis/text.js'
import type { CodeFacts } from '../analysis/model.js'
import type { CodeMetrics } from '../analysis/metrics.js'
import { optionalNumber, optionalString, requireCode } from './payload.js'
import { HandlerInputError, type HandlerContext, type HandlerDefinition, type JsonObject } from './types.js'
import { DEFAULT_MAX_CODE_CHARS, limitsFrom } from './validate.js'

function analysisTypeOf (value: unknown): AnalysisType {
  return value === 'quick' || value === 'detailed' ? value : 'full'
}

function minConfidenceOf (payload: JsonObject): number {
  return Math.min(1, Math.max(0, optionalNumber(payload, 'min_confidence', 0.7)))
}

async function analyze (payload: JsonObject, ctx: HandlerContext): Promise<JsonObject> {
  const started = performance.now()
  const analysisType = analysisTypeOf(payload.analysis_type)
  const minConfidence = minConfidenceOf(payload)
  const prd = payload.prd_content
  const code = payload.code_content
  if (typeof prd === 'string' && prd.trim().length > 0) {
    const context = optionalString(payload, 'context')
    const result = analyzeText(context === undefined ? prd : `${prd}\n${context}`, analysisType, minConfidence)
    return textResponse(result, {
      processing_time_ms: elapsed(started),
      source: 'prd_content',
      analysis_type: analysisType,
      min_confidence: minConfidence,
      word_count: result.wordCount,
      sentence_count: result.sentenceCount,
      analyzer: 'local'
    })
  }
  if (typeof code === 'string' && code.length > 0) {
    const source = requireCode(payload, ctx, DEFAULT_MAX_CODE_CHARS)
    const filePath = optionalString(payload, 'file_path')
    const language = detectLanguage(payload.language, filePath)
    const { facts, metrics } = await analyzeCode(source, language, filePath, limitsFrom(ctx))
    return codeResponse(facts, metrics, analysisType, minConfidence, started)
  }
  throw new HandlerInputError('Missing required field: prd_content (or code_content)')
}

function textResponse (r: TextAnalysis, metadata: JsonObject): JsonObject {
  return {
    concepts: r.concepts,
    entities: r.entities,
    relationships: r.relationships,
    domain_keywords: r.domainKeywords,
    node_type_hints: r.nodeTypeHints,
    confidence: r.confidence,
    metadata
  }
}

function codeResponse (facts: CodeFacts, metrics: CodeMetrics, analysisType: AnalysisType, minConfidence: number, started: number): JsonObject {
  const entities = [
    ...facts.classes.map(c => ({ name: c.name, type: 'class', line: c.line, bases: c.bases })),
    ...facts.functions.map(f => ({ name: f.className === null ? f.name : `${f.className}.${f.name}`, type: f.className === null ? 'function' : 'method', line: f.line, complexity: f.complexity })),
    ...facts.imports.map(i => ({ name: i.module, type: 'import', line: i.line, names: i.names }))
  ]
  const calls = new Map<string, { source: string, target: string, type: string, count: number, line: number }>()
  for (const c of facts.calls) {
    const source = c.caller ?? '<module>'
    const key = `${source}\u0000${c.callee}`
    const existing = calls.get(key)
    if (existing === undefined) calls.set(key, { source, target: c.callee, type: 'calls', count: 1, line: c.line })
    else existing.count++
  }
  const relationships = [
    ...facts.classes.flatMap(c => c.bases.map(b => ({ source: c.name, target: b, type: 'inherits', count: 1, line: c.line }))),
    ...facts.imports.map(i => ({ source: '<module>', target: i.module, type: 'imports', count: 1, line: i.line })),
    ...calls.values()
  ]
  // Concepts of code are the words its names are made of (`UserRepository` → user, repository).
  const words: string[] = []
  for (const [name, count] of facts.identifiers) {
    for (const w of tokenize(name)) for (let i = 0; i < Math.min(count, 50); i++) words.push(w)
  }
  const text = analyzeText(words.join(' '), analysisType, minConfidence)
  return {
    concepts: text.concepts.map(c => ({ ...c, context: '' })),
    entities,
    relationships,
    domain_keywords: text.domainKeywords,
    node_type_hints: hintsFor(words.map(stem)),
    confidence: facts.syntaxErrorCount === 0 ? 1 : 0.5,
    complexity: {
      total: metrics.totalComplexity,
      max: metrics.maxComplexity,
      per_function: metrics.cyclomaticComplexity,
      max_nesting_depth: facts.maxNestingDepth,
      lines_of_code: facts.linesOfCode,
      maintainability_index: metrics.maintainabilityIndex,
      halstead_volume: metrics.halsteadVolume
    },
    metadata: {
      processing_time_ms: elapsed(started),
      source: 'code_content',
      analysis_type: analysisType,
      min_confidence: minConfidence,
      language: facts.language,
      syntax_errors: facts.syntaxErrors,
      truncated: facts.truncated,
      analyzer: 'local'
    }
  }
}

function elapsed (started: number): number {
  return Math.round((performance.now() - started) * 100) / 100
}

export const analyzeHandler: HandlerDefinition = Object.freeze({
  name: 'analyze',
  eventTypes: Object.freeze(['codegen.request.analyze', 'prd.analyze', 'omninode.codegen.request.analyze.v1']),
  payloadType: 'CodegenAnalyzeResponse',
  errorCode: 'ANALYSIS_ERROR',
  handle: analyze
})
