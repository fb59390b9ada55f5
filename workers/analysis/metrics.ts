// Classic source metrics over CodeFacts. Formulas are the textbook ones (McCabe 1976; Halstead 1977;
// Oman & Hagemeister 1992 maintainability index, rescaled to 0..100 as Visual Studio and radon do).
import type { CodeFacts } from './model.js'

export interface FunctionComplexity { readonly name: string, readonly line: number, readonly complexity: number }

export interface CodeMetrics {
  readonly cyclomaticComplexity: FunctionComplexity[]
  readonly totalComplexity: number
  readonly maxComplexity: number
  readonly halsteadVolume: number
  readonly maintainabilityIndex: number
  readonly docstringCoverage: number
  readonly typeAnnotationCoverage: number
}

export function halsteadVolume (facts: Pick<CodeFacts, 'halstead'>): number {
  const h = facts.halstead
  const vocabulary = h.distinctOperators + h.distinctOperands
  const length = h.totalOperators + h.totalOperands
  return vocabulary < 2 ? 0 : length * Math.log2(vocabulary)
}

/** 171 − 5.2 ln(V) − 0.23 CC − 16.2 ln(LOC), scaled to 0..100; empty code is perfectly maintainable. */
export function maintainabilityIndex (volume: number, complexity: number, linesOfCode: number): number {
  if (linesOfCode <= 0) return 100
  const raw = 171 - 5.2 * Math.log(Math.max(volume, 1)) - 0.23 * complexity - 16.2 * Math.log(linesOfCode)
  return round(Math.min(100, Math.max(0, raw * 100 / 171)), 2)
}

/** Share of classes and functions carrying a docstring (Python) or JSDoc block (TS/JS); 1 when none. */
export function docstringCoverage (facts: Pick<CodeFacts, 'functions' | 'classes'>): number {
  const total = facts.functions.length + facts.classes.length
  if (total === 0) return 1
  const documented = facts.functions.filter(f => f.hasDocstring).length + facts.classes.filter(c => c.hasDocstring).length
  return round(documented / total, 4)
}

/** Share of annotatable slots (parameters and return types) that carry a type; 1 when none. */
export function typeAnnotationCoverage (facts: Pick<CodeFacts, 'functions'>): number {
  let slots = 0
  let annotated = 0
  for (const f of facts.functions) {
    slots += f.params
    annotated += f.annotatedParams
    if (f.returnAnnotated !== null) {
      slots++
      if (f.returnAnnotated) annotated++
    }
  }
  return slots === 0 ? 1 : round(annotated / slots, 4)
}

export function measure (facts: CodeFacts): CodeMetrics {
  const totalComplexity = 1 + facts.decisionPoints
  const volume = halsteadVolume(facts)
  return {
    cyclomaticComplexity: facts.functions.map(f => ({ name: f.name, line: f.line, complexity: f.complexity })),
    totalComplexity,
    maxComplexity: facts.functions.reduce((m, f) => Math.max(m, f.complexity), facts.functions.length === 0 ? 0 : 1),
    halsteadVolume: round(volume, 2),
    maintainabilityIndex: maintainabilityIndex(volume, totalComplexity, facts.linesOfCode),
    docstringCoverage: docstringCoverage(facts),
    typeAnnotationCoverage: typeAnnotationCoverage(facts)
  }
}

export function round (value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
