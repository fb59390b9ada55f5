// Language-neutral facts extracted from one syntax tree. Parsers (python.ts, typescript.ts) fill them in
// a single iterative pass; the scoring rules (onex.ts) and metrics (metrics.ts) only read them, so the
// rules can be tested without a parser and a new language only has to produce these facts.

export type CodeLanguage = 'python' | 'typescript' | 'javascript'

/** 1-based line and column (columns count UTF-16 code units, as editors do). */
export interface SyntaxIssue { readonly line: number, readonly column: number, readonly message: string }

export interface FunctionFact {
  readonly name: string
  readonly line: number
  /** McCabe: 1 + decision points in its own body (nested functions count for themselves). */
  complexity: number
  readonly className: string | null
  readonly hasDocstring: boolean
  /** Parameters other than self/cls/this. */
  readonly params: number
  readonly annotatedParams: number
  /** null when the language has nothing to annotate (constructors, setters). */
  readonly returnAnnotated: boolean | null
  /** `x = Callee(...)` as the very first statement of the body. */
  readonly firstStatement: { readonly target: string, readonly callee: string } | null
  /** Parameter name → annotation text, for the registry/container injection patterns. */
  readonly paramTypes: ReadonlyArray<readonly [string, string]>
}

export interface ClassFact {
  readonly name: string
  readonly line: number
  readonly bases: readonly string[]
  readonly hasDocstring: boolean
}

export interface ImportFact {
  readonly module: string
  readonly names: readonly string[]
  readonly line: number
  /** 0 = absolute; 1 = same package (`.x`, `./x`); 2+ = parents (`..x`, `../x`). */
  readonly relativeLevel: number
}

export interface CallFact {
  /** Last segment of the callee: `dict` for `user.dict()`. */
  readonly name: string
  /** Callee as written, truncated. */
  readonly callee: string
  readonly isMethod: boolean
  readonly args: number
  readonly line: number
  /** Enclosing function, null at module level. */
  readonly caller: string | null
}

export interface DecoratorFact { readonly name: string, readonly line: number }

export interface HalsteadCounts {
  distinctOperators: number
  distinctOperands: number
  totalOperators: number
  totalOperands: number
}

export interface CodeFacts {
  readonly language: CodeLanguage
  readonly syntaxErrors: SyntaxIssue[]
  /** All syntax errors found, including those beyond the reported cap. */
  syntaxErrorCount: number
  readonly functions: FunctionFact[]
  readonly classes: ClassFact[]
  readonly imports: ImportFact[]
  readonly calls: CallFact[]
  readonly decorators: DecoratorFact[]
  /** Lines where `Any`/`any` is used as a type. */
  readonly anyTypeLines: number[]
  /** Identifier → occurrences (names, attributes, type names). */
  readonly identifiers: Map<string, number>
  /** String literals mentioning a contract file (`contract.yaml`). */
  contractFileMentions: number
  /** Decision points in the whole file (module level included). */
  decisionPoints: number
  maxNestingDepth: number
  readonly halstead: HalsteadCounts
  /** Non-blank lines holding at least one token that is not a comment. */
  linesOfCode: number
  totalLines: number
  /** Syntax nodes visited. */
  nodeCount: number
  /** True when a work bound stopped the walk early: the facts cover a prefix of the file. */
  truncated: boolean
}

/** Bounds that keep pathological input cheap; every list a response carries is capped by them. */
export interface AnalysisLimits {
  readonly maxNodes: number
  readonly maxSyntaxErrors: number
  readonly maxItems: number
}

export const DEFAULT_LIMITS: AnalysisLimits = Object.freeze({ maxNodes: 1_000_000, maxSyntaxErrors: 50, maxItems: 2_000 })

export function emptyFacts (language: CodeLanguage, source: string): CodeFacts {
  return {
    language,
    syntaxErrors: [],
    syntaxErrorCount: 0,
    functions: [],
    classes: [],
    imports: [],
    calls: [],
    decorators: [],
    anyTypeLines: [],
    identifiers: new Map(),
    contractFileMentions: 0,
    decisionPoints: 0,
    maxNestingDepth: 0,
    halstead: { distinctOperators: 0, distinctOperands: 0, totalOperators: 0, totalOperands: 0 },
    linesOfCode: 0,
    totalLines: countLines(source),
    nodeCount: 0,
    truncated: false
  }
}

export function countLines (source: string): number {
  if (source.length === 0) return 0
  let n = 1
  let i = source.indexOf('\n')
  while (i !== -1 && i < source.length - 1) { n++; i = source.indexOf('\n', i + 1) }
  return n
}

export function addSyntaxError (facts: CodeFacts, limits: AnalysisLimits, issue: SyntaxIssue): void {
  facts.syntaxErrorCount++
  if (facts.syntaxErrors.length < limits.maxSyntaxErrors) facts.syntaxErrors.push(issue)
}

/** Pushes while under the cap, so a file with a million calls costs a bounded response. */
export function pushCapped<T> (list: T[], item: T, limits: AnalysisLimits): void {
  if (list.length < limits.maxItems) list.push(item)
}

/** A function being walked: its fact, or null once the cap on recorded functions was reached. */
export interface FunctionFrame { readonly fact: FunctionFact | null, readonly name: string }

/** Records a function under the cap and opens its frame (the walk still needs it past the cap). */
export function enterFunction (facts: CodeFacts, frames: FunctionFrame[], limits: AnalysisLimits, fact: FunctionFact, name: string): void {
  const recorded = facts.functions.length < limits.maxItems
  if (recorded) facts.functions.push(fact)
  frames.push({ fact: recorded ? fact : null, name })
}

export function countIdentifier (facts: CodeFacts, name: string): void {
  facts.identifiers.set(name, (facts.identifiers.get(name) ?? 0) + 1)
}

/** Collects distinct tokens for Halstead without keeping every token text alive. */
export class HalsteadCounter {
  private readonly operators = new Set<string>()
  private readonly operands = new Set<string>()
  private totalOperators = 0
  private totalOperands = 0

  operator (token: string): void { this.totalOperators++; this.operators.add(token) }
  operand (token: string): void { this.totalOperands++; this.operands.add(token.length > 64 ? token.slice(0, 64) : token) }

  counts (): HalsteadCounts {
    return {
      distinctOperators: this.operators.size,
      distinctOperands: this.operands.size,
      totalOperators: this.totalOperators,
      totalOperands: this.totalOperands
    }
  }
}

/** Marks which lines hold code; one byte per line even for a file of one 5 MB line. */
export class LineMarks {
  private readonly marks: Uint8Array
  constructor (totalLines: number) { this.marks = new Uint8Array(Math.max(totalLines, 1)) }
  mark (fromRow: number, toRow: number): void {
    const end = Math.min(toRow, this.marks.length - 1)
    for (let r = Math.max(fromRow, 0); r <= end; r++) this.marks[r] = 1
  }

  count (): number {
    let n = 0
    for (const m of this.marks) n += m
    return n
  }
}
