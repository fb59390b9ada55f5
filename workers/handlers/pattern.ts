// pattern: find catalog nodes similar to a description. The catalog (config/patterns.json, or
// `options.catalogPath`) is read and indexed once per thread.
//
// Similarity scale. similarity_score = 0.7 × coverage + 0.3 × cosine, both over TF-IDF weighted
// stems (with a small synonym table). Coverage is the share of the query's weight the pattern contains ("how much of
// what was asked does this pattern do"); cosine penalises patterns that do much more than was asked.
// Plain cosine between a one-line query and a catalog entry rarely passes 0.5 even for a good match, so
// the old default threshold of 0.7 (tuned for embedding similarity) would return nothing. On this
// scale a query whose content words the pattern mostly uses scores 0.85–0.95 ("publish events to
// kafka" → the Kafka publisher, 0.90), a partial match 0.5–0.7, other nodes of the same kind 0.2–0.35,
// and unrelated text 0 (test/workers/handlers/pattern.test.ts checks that realistic queries pass 0.7
// and unrelated text scores 0).
import { readFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildIndex, cosine, coverage, features, vectorize, type TfIdfIndex } from '../analysis/text.js'
import { nodeTypeOf, optionalNumber, requireString } from './payload.js'
import type { HandlerContext, HandlerDefinition, JsonObject } from './types.js'

export interface PatternEntry {
  readonly node_id: string
  readonly description: string
  readonly node_type: string
  readonly mixins_used: readonly string[]
  readonly contracts: readonly string[]
  readonly code_snippets: readonly string[]
  readonly metadata: { readonly complexity: string, readonly success_rate: number, readonly usage_count: number, readonly last_used: string }
}

interface Catalog { readonly patterns: readonly PatternEntry[], readonly index: TfIdfIndex }

const catalogs = new Map<string, Catalog>()

/** The directory holding package.json above this file: the repo root from both workers/ and dist/workers/. */
export function packageRoot (from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}`)
    dir = parent
  }
}

export function defaultCatalogPath (): string {
  return join(packageRoot(), 'config', 'patterns.json')
}

/** Text a pattern is matched on: what it does, its name, its kind and its mixins. */
function patternText (p: PatternEntry): string {
  return [p.description, p.node_id.replace(/_/g, ' '), p.node_type, ...p.mixins_used.map(m => m.replace(/Mixin$/, ''))].join(' ')
}

export function loadCatalog (path: string): Catalog {
  const cached = catalogs.get(path)
  if (cached !== undefined) return cached
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'))
  const list: unknown = Array.isArray(raw) ? raw : (raw as { patterns?: unknown } | null)?.patterns
  if (!Array.isArray(list)) throw new Error(`pattern catalog ${path} has no "patterns" list`)
  const patterns = list.map((p, i) => checkEntry(p, `${path}[${i}]`))
  const catalog = { patterns, index: buildIndex(patterns.map(p => features(patternText(p)))) }
  catalogs.set(path, catalog)
  return catalog
}

function checkEntry (value: unknown, where: string): PatternEntry {
  const p = value as Partial<PatternEntry> | null
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every(s => typeof s === 'string')
  if (p === null || typeof p !== 'object' || typeof p.node_id !== 'string' || typeof p.description !== 'string' ||
    typeof p.node_type !== 'string' || !strings(p.mixins_used) || !strings(p.contracts) || !strings(p.code_snippets) ||
    typeof p.metadata !== 'object' || p.metadata === null) {
    throw new Error(`pattern catalog entry ${where} lacks node_id, description, node_type, mixins_used, contracts, code_snippets or metadata`)
  }
  return p as PatternEntry
}

function score (q: Map<string, number>, d: Map<string, number>): number {
  return Math.round((0.7 * coverage(q, d) + 0.3 * cosine(q, d)) * 10_000) / 10_000
}

/** Bounds the query text; descriptions are a sentence or two. */
const MAX_QUERY_CHARS = 10_000

function pattern (payload: JsonObject, ctx: HandlerContext): JsonObject {
  const description = requireString(payload, 'node_description').slice(0, MAX_QUERY_CHARS)
  const nodeType = nodeTypeOf(payload.node_type)
  const limit = Math.max(0, Math.min(100, Math.floor(optionalNumber(payload, 'limit', 5))))
  const threshold = optionalNumber(payload, 'score_threshold', 0.7)
  const path = typeof ctx.options.catalogPath === 'string' ? resolve(ctx.options.catalogPath) : defaultCatalogPath()
  const { patterns, index } = loadCatalog(path)
  const q = vectorize(features(description), index.idf, index.unseenIdf)
  const similar = patterns
    .map((p, i) => ({ p, s: score(q, index.vectors[i] ?? new Map()) }))
    .filter(({ p, s }) => s >= threshold && s > 0 && (nodeType === undefined || p.node_type === nodeType))
    .sort((a, b) => b.s - a.s || a.p.node_id.localeCompare(b.p.node_id))
    .slice(0, limit)
    .map(({ p, s }) => ({
      node_id: p.node_id,
      similarity_score: s,
      description: p.description,
      mixins_used: [...p.mixins_used],
      contracts: [...p.contracts],
      code_snippets: [...p.code_snippets],
      metadata: {
        node_type: p.node_type,
        complexity: p.metadata.complexity,
        success_rate: p.metadata.success_rate,
        usage_count: p.metadata.usage_count,
        last_used: p.metadata.last_used
      }
    }))
  const avg = similar.length === 0 ? 0 : similar.reduce((sum, n) => sum + n.similarity_score, 0) / similar.length
  return { similar_nodes: similar, count: similar.length, avg_similarity: Math.round(avg * 10_000) / 10_000 }
}

export const patternHandler: HandlerDefinition = Object.freeze({
  name: 'pattern',
  eventTypes: Object.freeze(['codegen.request.pattern', 'pattern.match', 'omninode.codegen.request.pattern.v1']),
  payloadType: 'CodegenPatternResponse',
  errorCode: 'PATTERN_MATCHING_ERROR',
  handle: pattern
})
