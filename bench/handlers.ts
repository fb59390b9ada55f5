// CPU cost per handler call on small (50 lines), medium (500) and large (5,000) inputs built from the
// corpus in bench/corpus/. Runs on the main thread, one call at a time: this is the cost a pool worker
// pays per task, not end-to-end throughput.
//
//   node --import @tapjs/typescript/import bench/handlers.ts     (from source)
//   npm run build && node dist/bench/handlers.js                  (compiled)
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { analyzeHandler, mixinHandler, patternHandler, validateHandler } from '../workers/handlers/index.js'
import { packageRoot } from '../workers/handlers/pattern.js'
import type { HandlerContext, HandlerDefinition, JsonObject } from '../workers/handlers/types.js'

const SIZES = [['small', 50], ['medium', 500], ['large', 5_000]] as const
const MIN_RUNS = 5
const MAX_RUNS = 60
const BUDGET_MS = 1_500

// From the package root, so the compiled copy in dist/bench/ finds the same corpus.
const corpusDir = join(packageRoot(), 'bench', 'corpus')
const files = readdirSync(corpusDir).sort().map(name => ({ name, text: readFileSync(join(corpusDir, name), 'utf8') }))

/** Whole corpus files of one kind, concatenated until `lines` lines, then cut to exactly that many. */
function input (extensions: readonly string[], lines: number): string {
  const sources = files.filter(f => extensions.some(ext => f.name.endsWith(ext))).map(f => f.text)
  if (sources.length === 0) throw new Error(`no corpus files with ${extensions.join(', ')}`)
  const out: string[] = []
  for (let i = 0; out.length < lines; i++) out.push(...(sources[i % sources.length] ?? '').split('\n'), '')
  return out.slice(0, lines).join('\n') + '\n'
}

const ctx: HandlerContext = Object.freeze({ eventType: 'bench', topic: 'bench', correlationId: '00000000-0000-4000-8000-000000000000', options: Object.freeze({}) })

async function time (handler: HandlerDefinition, payload: JsonObject): Promise<{ median: number, p90: number, runs: number }> {
  await handler.handle(payload, ctx) // warm-up: parser load, JIT, catalog index
  const samples: number[] = []
  const started = performance.now()
  while (samples.length < MIN_RUNS || (samples.length < MAX_RUNS && performance.now() - started < BUDGET_MS)) {
    const t0 = performance.now()
    await handler.handle(payload, ctx)
    samples.push(performance.now() - t0)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0
  return { median: at(0.5), p90: at(0.9), runs: samples.length }
}

interface Case { readonly handler: HandlerDefinition, readonly label: string, readonly payload: (lines: number) => JsonObject }

const PY = ['.py']
// Stored as .ts.txt so that the project's typecheck does not compile the samples.
const TS = ['.ts.txt']
const TEXT = ['.md']
const cases: Case[] = [
  { handler: validateHandler, label: 'python', payload: n => ({ code_content: input(PY, n), file_path: 'node.py' }) },
  { handler: validateHandler, label: 'typescript', payload: n => ({ code_content: input(TS, n), file_path: 'node.ts' }) },
  { handler: analyzeHandler, label: 'python code', payload: n => ({ code_content: input(PY, n), file_path: 'node.py' }) },
  { handler: analyzeHandler, label: 'typescript code', payload: n => ({ code_content: input(TS, n), file_path: 'node.ts' }) },
  { handler: analyzeHandler, label: 'prd text', payload: n => ({ prd_content: input(TEXT, n), analysis_type: 'full' }) },
  { handler: patternHandler, label: 'description', payload: n => ({ node_description: input(TEXT, n), score_threshold: 0 }) },
  { handler: mixinHandler, label: 'requirements', payload: n => ({ requirements: input(TEXT, n).split('\n'), node_type: 'effect' }) }
]

const rows: string[][] = [['handler', 'input', 'size', 'lines', 'chars', 'median ms', 'p90 ms', 'runs']]
for (const c of cases) {
  for (const [size, lines] of SIZES) {
    const payload = c.payload(lines)
    const chars = JSON.stringify(payload).length
    const r = await time(c.handler, payload)
    rows.push([c.handler.name, c.label, size, String(lines), String(chars), r.median.toFixed(2), r.p90.toFixed(2), String(r.runs)])
  }
}
const widths = rows[0]?.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length))) ?? []
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, j) => j >= 3 ? cell.padStart(widths[j] ?? 0) : cell.padEnd(widths[j] ?? 0)).join('  '))
  if (i === 0) console.log(widths.map(w => '-'.repeat(w)).join('  '))
}
console.log(`\nnode ${process.version}, ${process.arch}; median of up to ${MAX_RUNS} runs within ${BUDGET_MS} ms after one warm-up`)
