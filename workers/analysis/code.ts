// The one entry point from handlers to the parsers: pick the language, parse within bounds, derive the
// measurements every handler reports.
import { analyzePython } from './python.js'
import { analyzeTypeScript } from './typescript.js'
import { DEFAULT_LIMITS, type AnalysisLimits, type CodeFacts, type CodeLanguage } from './model.js'
import { measure, type CodeMetrics } from './metrics.js'

const EXTENSIONS: Readonly<Record<string, CodeLanguage>> = {
  '.py': 'python',
  '.pyi': 'python',
  '.ts': 'typescript',
  '.tsx': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript'
}

const NAMES: Readonly<Record<string, CodeLanguage>> = {
  python: 'python',
  py: 'python',
  typescript: 'typescript',
  ts: 'typescript',
  tsx: 'typescript',
  javascript: 'javascript',
  js: 'javascript',
  jsx: 'javascript',
  node: 'javascript'
}

/** `language` when it names one we parse, else the file extension, else Python (the old service's). */
export function detectLanguage (language: unknown, filePath: unknown): CodeLanguage {
  if (typeof language === 'string') {
    const named = NAMES[language.trim().toLowerCase()]
    if (named !== undefined) return named
  }
  if (typeof filePath === 'string') {
    const ext = filePath.toLowerCase().match(/\.[a-z]+$/)?.[0]
    const byExt = ext === undefined ? undefined : EXTENSIONS[ext]
    if (byExt !== undefined) return byExt
  }
  return 'python'
}

export interface CodeAnalysis {
  readonly facts: CodeFacts
  readonly metrics: CodeMetrics
}

export async function analyzeCode (source: string, language: CodeLanguage, filePath?: string, limits: AnalysisLimits = DEFAULT_LIMITS): Promise<CodeAnalysis> {
  const facts = language === 'python'
    ? await analyzePython(source, limits)
    : analyzeTypeScript(source, language, limits, { fileName: filePath })
  return { facts, metrics: measure(facts) }
}
