// The old service's ONEX scoring rules (comprehensive_onex_scorer.py + codegen_quality_service.py of
// omniarchon's intelligence service), re-expressed over syntax-tree facts instead of regexes over text:
// an `Any` in a comment or a string no longer counts, `user.dict ()` no longer escapes. Weights,
// thresholds, descriptions and the era table are the old ones so that producers see the same numbers.
import type { CodeFacts } from './model.js'
import type { CodeMetrics } from './metrics.js'

export type Severity = 'critical' | 'moderate' | 'modern'

export interface Rule {
  readonly id: string
  readonly severity: Severity
  /** Legacy indicator text (the old descriptions; "forbidden" marks a blocking one); null = score only. */
  readonly indicator: string | null
  readonly count: (facts: CodeFacts) => number
}

const isLower = (name: string): boolean => /^[a-z]/.test(name)
const idCount = (facts: CodeFacts, name: string): number => facts.identifiers.get(name) ?? 0
const idMatching = (facts: CodeFacts, re: RegExp): number => {
  let n = 0
  for (const [name, count] of facts.identifiers) if (re.test(name)) n += count
  return n
}
const methodCalls = (facts: CodeFacts, name: string): number => facts.calls.filter(c => c.isMethod && c.name === name).length
const decorators = (facts: CodeFacts, name: string): number => facts.decorators.filter(d => d.name === name).length
const isPydanticModel = (bases: readonly string[]): boolean => bases.some(b => /(^|\.)BaseModel$/.test(b))
// Pydantic v1 method names are ordinary words in JS (`response.json()`), so those rules are Python-only.
const python = (facts: CodeFacts, n: number): number => facts.language === 'python' ? n : 0

export const RULES: readonly Rule[] = [
  { id: 'any_import', severity: 'critical', indicator: 'Uses Any types (forbidden in ONEX)', count: f => f.imports.filter(i => i.module === 'typing' && i.names.includes('Any')).length },
  { id: 'any_annotation', severity: 'critical', indicator: 'Uses Any type annotations (forbidden in ONEX)', count: f => f.anyTypeLines.length },
  { id: 'lowercase_model', severity: 'critical', indicator: 'Non-CamelCase Pydantic models (should be Model* prefix)', count: f => f.classes.filter(c => isLower(c.name) && isPydanticModel(c.bases)).length },
  { id: 'direct_instantiation', severity: 'critical', indicator: 'Direct instantiation without container', count: f => f.calls.filter(c => c.args === 0 && (c.name === 'Database' || c.name === 'Connection' || c.name === 'Client')).length },
  { id: 'pydantic_dict', severity: 'critical', indicator: 'Legacy Pydantic v1 .dict() method (use .model_dump())', count: f => python(f, methodCalls(f, 'dict')) },
  { id: 'pydantic_json', severity: 'critical', indicator: 'Legacy Pydantic v1 .json() method (use .model_dump_json())', count: f => python(f, methodCalls(f, 'json')) },
  { id: 'pydantic_copy', severity: 'critical', indicator: 'Legacy Pydantic v1 .copy() method (use .model_copy())', count: f => python(f, methodCalls(f, 'copy')) },
  { id: 'pydantic_schema', severity: 'critical', indicator: 'Legacy Pydantic v1 .schema() method (use .model_json_schema())', count: f => python(f, methodCalls(f, 'schema')) },

  { id: 'lowercase_class', severity: 'moderate', indicator: 'Non-CamelCase class names', count: f => f.classes.filter(c => isLower(c.name) && !isPydanticModel(c.bases)).length },
  { id: 'instantiation_in_function', severity: 'moderate', indicator: null, count: f => f.functions.filter(fn => fn.firstStatement !== null && !fn.firstStatement.callee.includes('.')).length },
  { id: 'os_import', severity: 'moderate', indicator: 'Direct OS imports (should use container)', count: f => f.imports.filter(i => i.module === 'os' || i.module === 'node:os').length },
  { id: 'multilevel_relative_import', severity: 'moderate', indicator: 'Multi-level relative imports (use absolute imports)', count: f => f.imports.filter(i => i.relativeLevel >= 2).length },
  { id: 'validator_decorator', severity: 'moderate', indicator: 'Legacy @validator decorator (use @field_validator)', count: f => decorators(f, 'validator') },
  { id: 'root_validator_decorator', severity: 'moderate', indicator: 'Legacy @root_validator decorator (use @model_validator)', count: f => decorators(f, 'root_validator') },

  { id: 'registry_injection', severity: 'modern', indicator: null, count: f => f.functions.filter(fn => (fn.name === '__init__' || fn.name === 'constructor') && fn.paramTypes.some(([, t]) => /^\w*Registry$/.test(t))).length },
  { id: 'model_class', severity: 'modern', indicator: null, count: f => f.classes.filter(c => /^Model[A-Z]/.test(c.name) && isPydanticModel(c.bases)).length },
  { id: 'protocol_import', severity: 'modern', indicator: null, count: f => f.imports.filter(i => /^omnibase[._/]protocols/.test(i.module)).length },
  { id: 'standard_error_handling', severity: 'modern', indicator: null, count: f => decorators(f, 'standard_error_handling') },
  { id: 'node_base', severity: 'modern', indicator: null, count: f => idMatching(f, /NodeBase/) },
  { id: 'onex_error', severity: 'modern', indicator: null, count: f => idMatching(f, /OnexError/) },
  { id: 'contract_path', severity: 'modern', indicator: null, count: f => Math.min(idCount(f, 'contract_path'), f.calls.filter(c => c.name === 'Path').length) },
  { id: 'emit_log_event', severity: 'modern', indicator: null, count: f => idCount(f, 'emit_log_event') },
  { id: 'onex_container', severity: 'modern', indicator: null, count: f => idCount(f, 'ModelONEXContainer') },
  { id: 'core_error_code', severity: 'modern', indicator: null, count: f => idCount(f, 'CoreErrorCode') },
  { id: 'node_kind', severity: 'modern', indicator: null, count: f => idMatching(f, /Node(Effect|Compute|Transform|Input|Output)/) },
  { id: 'model_dump', severity: 'modern', indicator: null, count: f => methodCalls(f, 'model_dump') + methodCalls(f, 'model_dump_json') + methodCalls(f, 'model_copy') },
  { id: 'v2_validators', severity: 'modern', indicator: null, count: f => decorators(f, 'field_validator') + decorators(f, 'model_validator') }
]

export type ArchitecturalEra = 'pre_nodebase' | 'early_nodebase' | 'contract_driven' | 'modern_onex'

/** Era scores in the old table's order; the first maximum wins, as Python's max() did. */
export function eraScores (f: CodeFacts): Array<[ArchitecturalEra, number]> {
  const params = f.functions.flatMap(fn => fn.paramTypes)
  return [
    ['pre_nodebase', f.classes.filter(c => c.name.endsWith('Tool') && c.bases.length === 0).length +
      f.functions.filter(fn => fn.name === 'main' && fn.params === 0 && fn.firstStatement?.target === 'parser').length +
      idCount(f, 'argparse')],
    ['early_nodebase', f.calls.filter(c => c.name === 'NodeBase').length +
      f.classes.filter(c => c.bases.length === 1 && c.bases[0] === 'NodeBase').length],
    ['contract_driven', f.contractFileMentions + idCount(f, 'from_contract') + idCount(f, 'CONTRACT_FILENAME')],
    ['modern_onex', params.filter(([n, t]) => n === 'registry' && t === 'BaseOnexRegistry').length +
      params.filter(([n, t]) => n === 'container' && t === 'ModelONEXContainer').length +
      decorators(f, 'standard_error_handling') + idCount(f, 'ProtocolToolBase') + idMatching(f, /Model[A-Z]\w+/) +
      methodCalls(f, 'model_dump')]
  ]
}

export function detectEra (f: CodeFacts): ArchitecturalEra {
  const scores = eraScores(f)
  let best: [ArchitecturalEra, number] = ['modern_onex', 0]
  for (const s of scores) if (s[1] > best[1]) best = s
  return best[0]
}

const ERA_MODIFIER: Readonly<Record<ArchitecturalEra, number>> = {
  pre_nodebase: -0.2, early_nodebase: -0.1, contract_driven: 0.05, modern_onex: 0.1
}

/** Old temporal relevance: generated code is "just modified" (1.0) unless a date says otherwise. */
export function relevanceScore (lastModified: Date | null, now: Date): number {
  if (lastModified === null || Number.isNaN(lastModified.getTime())) return 1
  const days = Math.floor((now.getTime() - lastModified.getTime()) / 86_400_000)
  if (days <= 30) return 1
  if (days <= 90) return 0.9
  if (days <= 180) return 0.7
  if (days <= 365) return 0.5
  return 0.3
}

const FORBIDDEN = ['forbidden', 'should not', 'must not']
const isForbidden = (indicator: string): boolean => FORBIDDEN.some(k => indicator.toLowerCase().includes(k))

export interface RuleHit { readonly rule: Rule, readonly count: number }

export interface OnexScore {
  readonly qualityScore: number
  readonly complianceScore: number
  readonly relevanceScore: number
  readonly era: ArchitecturalEra
  readonly hits: RuleHit[]
  readonly legacyIndicators: string[]
  readonly omnibaseViolations: string[]
  readonly violations: string[]
  readonly warnings: string[]
  readonly isValid: boolean
}

const MAX_VALIDATOR_VIOLATIONS = 10

export function scoreOnex (facts: CodeFacts, relevance: number): OnexScore {
  const hits = RULES.map(rule => ({ rule, count: rule.count(facts) })).filter(h => h.count > 0)
  // The old scorer's validators reported an unparsable file as a violation; ours say where.
  const omnibaseViolations = facts.syntaxErrors.slice(0, MAX_VALIDATOR_VIOLATIONS)
    .map(e => `Syntax error at line ${e.line}, column ${e.column}: ${e.message}`)
  if (facts.syntaxErrorCount > omnibaseViolations.length) {
    omnibaseViolations.push(`${facts.syntaxErrorCount - omnibaseViolations.length} more syntax errors`)
  }
  const complianceScore = compliance(hits, omnibaseViolations.length)
  const era = detectEra(facts)
  const legacyIndicators = hits.flatMap(h => h.rule.indicator === null || h.rule.severity === 'modern' ? [] : [h.rule.indicator])
  legacyIndicators.push(...omnibaseViolations.slice(0, 5).map(v => `ONEX Validator: ${v}`))
  let quality = 0.6 * complianceScore + 0.3 * relevance + ERA_MODIFIER[era] * 0.1
  if (legacyIndicators.some(i => i.toLowerCase().includes('forbidden'))) quality *= 0.1
  const qualityScore = clamp01(quality)
  const violations = [
    ...legacyIndicators.filter(isForbidden).map(i => `CRITICAL: ${i}`),
    ...omnibaseViolations.map(v => `ONEX VALIDATOR: ${v}`)
  ]
  const warnings = legacyIndicators.filter(i => !isForbidden(i) && !i.startsWith('ONEX Validator: '))
  if (era === 'pre_nodebase' || era === 'early_nodebase') warnings.push(`Code uses outdated architectural patterns (${era})`)
  return {
    qualityScore,
    complianceScore,
    relevanceScore: relevance,
    era,
    hits,
    legacyIndicators,
    omnibaseViolations,
    violations,
    warnings,
    isValid: violations.length === 0 && qualityScore >= 0.7 && complianceScore >= 0.6
  }
}

function compliance (hits: readonly RuleHit[], validatorViolations: number): number {
  if (hits.some(h => h.rule.severity === 'critical')) return 0
  let score = 0.5
  for (const h of hits) score += (h.rule.severity === 'modern' ? 0.1 : -0.1) * h.count
  return clamp01(score - 0.05 * validatorViolations)
}

export function clamp01 (x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 10_000) / 10_000
}

interface Suggestion { readonly priority: number, readonly type: string, readonly title: string, readonly description: string }

const RULE_SUGGESTIONS: Readonly<Record<string, Suggestion>> = {
  any_import: { priority: 10, type: 'type_safety', title: 'Remove Any types', description: 'Replace typing.Any with precise types or Protocols; ONEX forbids Any.' },
  any_annotation: { priority: 10, type: 'type_safety', title: 'Replace Any annotations', description: 'Annotate with concrete types, TypedDict/Model* classes or generics instead of Any.' },
  lowercase_model: { priority: 9, type: 'naming', title: 'Rename Pydantic models', description: 'Pydantic models are CamelCase with the Model prefix, e.g. ModelUserConfig.' },
  direct_instantiation: { priority: 9, type: 'architecture', title: 'Inject dependencies through the container', description: 'Resolve Database/Connection/Client from ModelONEXContainer instead of constructing them.' },
  pydantic_dict: { priority: 9, type: 'pydantic', title: 'Migrate .dict() to Pydantic v2', description: 'Use .model_dump() instead of .dict().' },
  pydantic_json: { priority: 9, type: 'pydantic', title: 'Migrate .json() to Pydantic v2', description: 'Use .model_dump_json() instead of .json().' },
  pydantic_copy: { priority: 9, type: 'pydantic', title: 'Migrate .copy() to Pydantic v2', description: 'Use .model_copy() instead of .copy().' },
  pydantic_schema: { priority: 9, type: 'pydantic', title: 'Migrate .schema() to Pydantic v2', description: 'Use .model_json_schema() instead of .schema().' },
  lowercase_class: { priority: 6, type: 'naming', title: 'Use CamelCase class names', description: 'Class names start with an upper-case letter.' },
  os_import: { priority: 5, type: 'architecture', title: 'Avoid direct os access', description: 'Get environment and file-system access from the container so nodes stay testable.' },
  multilevel_relative_import: { priority: 5, type: 'imports', title: 'Use absolute imports', description: 'Replace multi-level relative imports with absolute module paths.' },
  validator_decorator: { priority: 8, type: 'pydantic', title: 'Migrate @validator', description: 'Use @field_validator (Pydantic v2).' },
  root_validator_decorator: { priority: 8, type: 'pydantic', title: 'Migrate @root_validator', description: 'Use @model_validator (Pydantic v2).' }
}

/** `[PRIORITY:<p>] [<TYPE>] <title> - <description>`, highest priority first, top 10 (the old format). */
export function suggestions (score: OnexScore, facts: CodeFacts, metrics: CodeMetrics, nodeType: string): string[] {
  const list: Suggestion[] = []
  if (facts.syntaxErrorCount > 0) {
    const first = facts.syntaxErrors[0]
    list.push({ priority: 10, type: 'syntax', title: 'Fix syntax errors', description: `${facts.syntaxErrorCount} syntax error(s)${first === undefined ? '' : `, first at line ${first.line}, column ${first.column}: ${first.message}`}.` })
  }
  for (const h of score.hits) {
    const s = RULE_SUGGESTIONS[h.rule.id]
    if (s !== undefined) list.push(s)
  }
  if (score.era === 'pre_nodebase' || score.era === 'early_nodebase') {
    list.push({ priority: 7, type: 'architecture', title: 'Modernise the node', description: `Move from ${score.era} patterns to a contract-driven Node${capitalize(nodeType)} with registry/container injection.` })
  }
  const complex = metrics.cyclomaticComplexity.filter(f => f.complexity > 10).sort((a, b) => b.complexity - a.complexity)
  if (complex[0] !== undefined) {
    list.push({ priority: 6, type: 'complexity', title: 'Reduce cyclomatic complexity', description: `${complex.length} function(s) above 10; highest is ${complex[0].name} (line ${complex[0].line}) at ${complex[0].complexity}.` })
  }
  if (facts.maxNestingDepth > 5) {
    list.push({ priority: 5, type: 'complexity', title: 'Flatten deep nesting', description: `Blocks nest ${facts.maxNestingDepth} deep; extract functions or return early.` })
  }
  if (metrics.typeAnnotationCoverage < 0.8 && facts.language !== 'javascript') {
    list.push({ priority: 5, type: 'type_safety', title: 'Add type annotations', description: `${Math.round(metrics.typeAnnotationCoverage * 100)}% of parameters and return types are annotated.` })
  }
  if (metrics.docstringCoverage < 0.5) {
    list.push({ priority: 3, type: 'documentation', title: 'Document public classes and functions', description: `${Math.round(metrics.docstringCoverage * 100)}% of classes and functions are documented.` })
  }
  return list
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.priority - a.s.priority || a.i - b.i)
    .slice(0, 10)
    .map(({ s }) => `[PRIORITY:${s.priority}] [${s.type.toUpperCase()}] ${s.title} - ${s.description}`)
}

function capitalize (s: string): string {
  return s.length === 0 ? s : s[0]?.toUpperCase() + s.slice(1)
}
