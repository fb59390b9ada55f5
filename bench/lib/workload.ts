// Bench workloads: the request records a backlog holds. Deterministic from (workload, seed, index), so
// that a child process (the pool fed without Kafka) can rebuild exactly the requests the broker holds.
//
// - `validate`: the real validate handler over the corpus in bench/corpus/ (Python and TypeScript),
//   with a size mix: small = one corpus file as it is (50 to 100 lines), medium = 500 lines and
//   large = 5,000 lines of whole corpus files of one language (the sizes of bench/handlers.ts).
// - `cpu`: the synthetic bench_cpu handler burning `cpuMs` of CPU in the worker (0 = no-op).
// `payloadBytes` pads every request value to at least that size with a `metadata.padding` field,
// which the envelope accepts and no handler reads.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from './root.js'
import type { RouteSpec } from '../../src/pool/task.js'

export const SIZE_LINES = { small: 0, medium: 500, large: 5_000 } as const
export type SizeName = keyof typeof SIZE_LINES
export type SizeMix = Readonly<Record<SizeName, number>>

export type Workload =
  | { readonly kind: 'cpu', readonly cpuMs: number, readonly payloadBytes: number }
  | { readonly kind: 'validate', readonly mix: SizeMix, readonly payloadBytes: number }

export interface RequestRecord { readonly key: string, readonly value: Buffer }

export function describeWorkload (w: Workload): string {
  const pad = w.payloadBytes > 0 ? `, values padded to ${w.payloadBytes} B` : ''
  if (w.kind === 'cpu') return w.cpuMs === 0 ? `no-op (bench_cpu, cpu_ms 0${pad})` : `synthetic CPU ${w.cpuMs} ms (bench_cpu${pad})`
  const mix = (Object.keys(SIZE_LINES) as SizeName[]).filter(s => w.mix[s] > 0).map(s => `${s} ${w.mix[s]}`).join(' / ')
  return `validate over bench/corpus (mix ${mix}${pad})`
}

/** "small=80,medium=18,large=2" → weights (any positive scale). */
export function parseMix (text: string): SizeMix {
  const mix: Record<SizeName, number> = { small: 0, medium: 0, large: 0 }
  for (const part of text.split(',').map(s => s.trim()).filter(Boolean)) {
    const [name, weight] = part.split('=')
    if (name === undefined || !(name in SIZE_LINES)) throw new Error(`--mix: unknown size "${name}" (small, medium, large)`)
    const w = Number(weight)
    if (!Number.isFinite(w) || w < 0) throw new Error(`--mix: weight of ${name} must be a number ≥ 0`)
    mix[name as SizeName] = w
  }
  if (mix.small + mix.medium + mix.large <= 0) throw new Error('--mix: at least one weight must be positive')
  return mix
}

/** The route the service (and the pool fed directly) uses for this workload. */
export function routeFor (w: Workload, requestTopic: string, responseTopic: string): RouteSpec {
  return {
    handler: { builtin: w.kind === 'cpu' ? 'bench_cpu' : 'validate' },
    topics: [requestTopic],
    eventTypes: [],
    responseTopic,
    options: {}
  }
}

// ── deterministic randomness ───────────────────────────────────────────────────────────────────────

/** mulberry32: a tiny seeded PRNG, good enough to pick sizes and ids. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function uuid (rand: () => number): string {
  const b = Array.from({ length: 16 }, () => Math.floor(rand() * 256))
  b[6] = ((b[6] as number) & 0x0f) | 0x40
  b[8] = ((b[8] as number) & 0x3f) | 0x80
  const h = b.map(x => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

// ── corpus ─────────────────────────────────────────────────────────────────────────────────────────

interface Source { readonly name: string, readonly text: string }
interface Corpus { readonly python: readonly Source[], readonly typescript: readonly Source[] }
let corpus: Corpus | undefined

function loadCorpus (): Corpus {
  if (corpus !== undefined) return corpus
  // From the package root, so that the compiled copy in dist/bench/ finds the same files.
  const dir = join(packageRoot(), 'bench', 'corpus')
  const files = readdirSync(dir).sort().map(name => ({ name, text: readFileSync(join(dir, name), 'utf8') }))
  // TypeScript samples are stored as .ts.txt so that the project's typecheck does not compile them.
  corpus = { python: files.filter(f => f.name.endsWith('.py')), typescript: files.filter(f => f.name.endsWith('.ts.txt')) }
  if (corpus.python.length === 0 || corpus.typescript.length === 0) throw new Error(`bench/corpus needs .py and .ts.txt files (${dir})`)
  return corpus
}

const joined = new Map<string, string>()

/** Whole corpus files of one language, concatenated until `lines` lines, cut to exactly that many. */
function concatenated (language: keyof Corpus, lines: number, start: number): string {
  const id = `${language}:${lines}:${start}`
  const cached = joined.get(id)
  if (cached !== undefined) return cached
  const sources = loadCorpus()[language]
  const out: string[] = []
  for (let i = start; out.length < lines; i++) out.push(...(sources[i % sources.length]?.text ?? '').split('\n'), '')
  const text = out.slice(0, lines).join('\n') + '\n'
  joined.set(id, text)
  return text
}

function pickSize (mix: SizeMix, r: number): SizeName {
  const total = mix.small + mix.medium + mix.large
  let x = r * total
  for (const s of ['small', 'medium', 'large'] as const) {
    if (x < mix[s]) return s
    x -= mix[s]
  }
  return 'small'
}

// ── requests ───────────────────────────────────────────────────────────────────────────────────────

function payloadOf (w: Workload, rand: () => number): Record<string, unknown> {
  if (w.kind === 'cpu') return { cpu_ms: w.cpuMs }
  const language = rand() < 0.5 ? 'python' : 'typescript'
  const size = pickSize(w.mix, rand())
  const sources = loadCorpus()[language]
  const start = Math.floor(rand() * sources.length)
  const code = size === 'small' ? (sources[start]?.text ?? '') : concatenated(language, SIZE_LINES[size], start)
  const ext = language === 'python' ? 'py' : 'ts'
  const base = (sources[start]?.name ?? 'sample').replace(/\.(py|ts\.txt)$/, '')
  return { code_content: code, file_path: `src/nodes/${base}.${ext}`, node_type: 'effect' }
}

/** Request number `index` of a backlog: a contract envelope keyed by its correlation id. */
export function requestAt (w: Workload, seed: number, index: number): RequestRecord {
  const rand = prng((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0)
  const correlationId = uuid(rand)
  const envelope: Record<string, unknown> = { event_id: uuid(rand), correlation_id: correlationId, payload: payloadOf(w, rand) }
  let value = JSON.stringify(envelope)
  const missing = w.payloadBytes - Buffer.byteLength(value) - '"metadata":{"padding":""},'.length
  if (missing > 0) {
    envelope.metadata = { padding: paddingOf(missing) }
    value = JSON.stringify(envelope)
  }
  return { key: correlationId, value: Buffer.from(value) }
}

let padCache = ''
function paddingOf (n: number): string {
  // Varied text rather than one repeated byte, in case a compression codec is ever turned on.
  while (padCache.length < n) padCache += 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(64)
  return padCache.slice(0, n)
}
