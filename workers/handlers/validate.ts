// validate: parse the submitted code (Python via tree-sitter, TS/JS via the TypeScript compiler API),
// score it with the old service's ONEX rules over the syntax tree, and report real measurements.
import { analyzeCode, detectLanguage } from '../analysis/code.js'
import { DEFAULT_LIMITS, type AnalysisLimits } from '../analysis/model.js'
import { relevanceScore, scoreOnex, suggestions } from '../analysis/onex.js'
import { nodeTypeOf, optionalString, positiveIntOption, requireCode } from './payload.js'
import type { HandlerContext, HandlerDefinition, JsonObject } from './types.js'

/** Beyond this the parse alone can take seconds; such input gets the contract's error response. */
export const DEFAULT_MAX_CODE_CHARS = 1_048_576

export function limitsFrom (ctx: HandlerContext): AnalysisLimits {
  return {
    maxNodes: positiveIntOption(ctx, 'maxNodes', DEFAULT_LIMITS.maxNodes),
    maxSyntaxErrors: positiveIntOption(ctx, 'maxSyntaxErrors', DEFAULT_LIMITS.maxSyntaxErrors),
    maxItems: positiveIntOption(ctx, 'maxItems', DEFAULT_LIMITS.maxItems)
  }
}

const VALIDATOR_SOURCE = {
  python: 'intelligence-consumer ONEX rules + tree-sitter-python',
  typescript: 'intelligence-consumer ONEX rules + TypeScript compiler API',
  javascript: 'intelligence-consumer ONEX rules + TypeScript compiler API'
} as const

async function validate (payload: JsonObject, ctx: HandlerContext): Promise<JsonObject> {
  const code = requireCode(payload, ctx, DEFAULT_MAX_CODE_CHARS)
  const nodeType = nodeTypeOf(payload.node_type) ?? 'effect'
  const filePath = optionalString(payload, 'file_path')
  const language = detectLanguage(payload.language, filePath)
  const { facts, metrics } = await analyzeCode(code, language, filePath, limitsFrom(ctx))
  const now = new Date()
  const modified = optionalString(payload, 'file_last_modified')
  const score = scoreOnex(facts, relevanceScore(modified === undefined ? null : new Date(modified), now))
  return {
    quality_score: score.qualityScore,
    onex_compliance_score: score.complianceScore,
    violations: score.violations,
    warnings: score.warnings,
    suggestions: suggestions(score, facts, metrics, nodeType),
    is_valid: score.isValid,
    architectural_era: score.era,
    details: {
      relevance_score: score.relevanceScore,
      legacy_indicators: score.legacyIndicators,
      omnibase_violations: score.omnibaseViolations,
      node_type: nodeType,
      validation_timestamp: now.toISOString(),
      validator_source: VALIDATOR_SOURCE[language],
      language,
      syntax_errors: facts.syntaxErrors,
      syntax_error_count: facts.syntaxErrorCount,
      cyclomatic_complexity: metrics.cyclomaticComplexity,
      max_nesting_depth: facts.maxNestingDepth,
      lines_of_code: facts.linesOfCode,
      maintainability_index: metrics.maintainabilityIndex,
      halstead_volume: metrics.halsteadVolume,
      docstring_coverage: metrics.docstringCoverage,
      type_annotation_coverage: metrics.typeAnnotationCoverage,
      rule_hits: Object.fromEntries(score.hits.map(h => [h.rule.id, h.count])),
      truncated: facts.truncated
    }
  }
}

export const validateHandler: HandlerDefinition = Object.freeze({
  name: 'validate',
  eventTypes: Object.freeze(['codegen.request.validate', 'code.validate', 'omninode.codegen.request.validate.v1']),
  payloadType: 'CodegenValidateResponse',
  errorCode: 'VALIDATION_ERROR',
  handle: validate
})
