// Local analysis of requirement text (the old service called an external LLM-backed HTTP service):
// concepts from term and phrase frequency, entities from capitalised and technical names, relationships
// from entity pairs joined by a verb in one sentence, and node-type hints from keyword lists.
import { contentWords, isStopWord, phrases, splitSentences, stem, termFrequencies, tokenize } from './text.js'

export type AnalysisType = 'quick' | 'full' | 'detailed'

/** Keywords (stems) that suggest each ONEX node type. */
export const NODE_TYPE_KEYWORDS: Readonly<Record<'effect' | 'compute' | 'reducer' | 'orchestrator', readonly string[]>> = {
  effect: ['database', 'api', 'http', 'send', 'write', 'store', 'persist', 'external', 'email', 'notif', 'file', 'kafka', 'publish', 'fetch', 'request', 'webhook', 'upload', 'sav', 'insert', 'delet', 'queu', 'io', 'network', 'storage', 'postgr', 'redis', 's3'].map(stem),
  compute: ['calculat', 'comput', 'transform', 'validat', 'pars', 'scor', 'algorithm', 'analyz', 'convert', 'pure', 'filter', 'sort', 'rank', 'format', 'match', 'classif', 'predict', 'deriv', 'normaliz', 'hash', 'encod', 'estimat'].map(stem),
  reducer: ['aggregat', 'reduc', 'state', 'accumulat', 'merg', 'collect', 'summar', 'count', 'total', 'history', 'snapshot', 'group', 'consolidat', 'fold', 'tally', 'metric', 'rollup', 'window', 'batch', 'dedupl'].map(stem),
  orchestrator: ['workflow', 'orchestrat', 'coordinat', 'pipeline', 'step', 'sequenc', 'schedul', 'saga', 'manag', 'dispatch', 'rout', 'parallel', 'stage', 'depend', 'compensat', 'retry', 'fan', 'trigger', 'lifecycl', 'approv'].map(stem)
}

const TECHNOLOGIES = new Set([
  'postgresql', 'postgres', 'mysql', 'sqlite', 'mongodb', 'redis', 'kafka', 'rabbitmq', 'elasticsearch', 'qdrant',
  'memgraph', 'neo4j', 's3', 'graphql', 'rest', 'grpc', 'http', 'https', 'json', 'yaml', 'jwt', 'oauth', 'oauth2',
  'docker', 'kubernetes', 'aws', 'gcp', 'azure', 'python', 'typescript', 'javascript', 'node', 'fastapi', 'pydantic',
  'react', 'sql', 'csv', 'smtp', 'webhook', 'websocket', 'prometheus', 'grafana', 'stripe', 'slack', 'openai', 'llm'
])

const RELATION_VERBS: ReadonlyArray<[RegExp, string]> = [
  [/^(stor|sav|persist|writ|insert)/, 'stores_in'],
  [/^(read|fetch|load|retriev|query|get)/, 'reads_from'],
  [/^(send|publish|emit|notif|push)/, 'sends_to'],
  [/^(call|invok|request|us)/, 'uses'],
  [/^(depend|requir)/, 'depends_on'],
  [/^(contain|includ|hav|own)/, 'contains'],
  [/^(trigger|start|schedul)/, 'triggers'],
  [/^(validat|check|verif)/, 'validates'],
  [/^(transform|convert|map)/, 'transforms'],
  [/^(aggregat|collect|summar)/, 'aggregates']
]

export interface Concept { name: string, confidence: number, type: string, context: string }
export interface Entity { name: string, type: string, confidence: number, mentions: number }
export interface Relationship { source: string, target: string, type: string, confidence: number, context: string }
export type NodeTypeHints = Record<'effect' | 'compute' | 'reducer' | 'orchestrator', number>

export interface TextAnalysis {
  concepts: Concept[]
  entities: Entity[]
  relationships: Relationship[]
  domainKeywords: string[]
  nodeTypeHints: NodeTypeHints
  confidence: number
  wordCount: number
  sentenceCount: number
}

const LIMITS: Readonly<Record<AnalysisType, { concepts: number, keywords: number, phraseLength: number, relationships: number }>> = {
  quick: { concepts: 10, keywords: 10, phraseLength: 2, relationships: 0 },
  full: { concepts: 25, keywords: 20, phraseLength: 3, relationships: 25 },
  detailed: { concepts: 50, keywords: 40, phraseLength: 4, relationships: 100 }
}

/** Text beyond this is not analysed: requirements documents are far shorter, and the work stays bounded. */
export const MAX_TEXT_CHARS = 200_000

export function analyzeText (input: string, analysisType: AnalysisType, minConfidence: number): TextAnalysis {
  const text = input.length > MAX_TEXT_CHARS ? input.slice(0, MAX_TEXT_CHARS) : input
  const limits = LIMITS[analysisType]
  const sentences = splitSentences(text)
  const words = contentWords(text)
  const termCounts = termFrequencies(words.filter(w => w.length > 2))
  const phraseCounts = termFrequencies(sentences.flatMap(s => phrases(s, limits.phraseLength)))
  const nodeTypeHints = hintsFor(words.map(stem))
  const hintStems = new Set(Object.values(NODE_TYPE_KEYWORDS).flat())

  // Concepts are made of tokens (CamelCase split), so their context is found among tokenised sentences.
  const tokenized = sentences.map(s => ` ${tokenize(s).join(' ')} `)
  const candidates: Array<{ name: string, score: number, type: string }> = []
  const maxTerm = Math.max(1, ...termCounts.values())
  for (const [term, count] of termCounts) {
    const domain = hintStems.has(stem(term))
    const tech = TECHNOLOGIES.has(term)
    const score = 0.45 + 0.4 * (count / maxTerm) + (domain ? 0.15 : 0) + (tech ? 0.15 : 0) + (count > 1 ? 0.05 : 0)
    candidates.push({ name: term, score, type: tech ? 'technology' : domain ? 'domain' : 'keyword' })
  }
  for (const [phrase, count] of phraseCounts) {
    if (count < 2 && analysisType === 'quick') continue
    const parts = phrase.split(' ')
    const domainParts = parts.filter(p => hintStems.has(stem(p)) || TECHNOLOGIES.has(p)).length
    const score = 0.5 + 0.1 * Math.min(count, 4) + 0.1 * Math.min(domainParts, 2) + 0.05 * (parts.length - 2)
    candidates.push({ name: phrase, score, type: 'phrase' })
  }
  const concepts = candidates
    .map(c => ({ ...c, score: round(Math.min(1, c.score)) }))
    .filter(c => c.score >= minConfidence)
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, limits.concepts)
    .map(c => ({ name: c.name, confidence: c.score, type: c.type, context: contextOf(c.name, sentences, tokenized) }))

  const entities = extractEntities(text)
  const relationships = limits.relationships === 0 ? [] : extractRelationships(sentences, entities).slice(0, limits.relationships)
  const domainKeywords = [...termCounts.entries()]
    .filter(([t]) => hintStems.has(stem(t)) || TECHNOLOGIES.has(t) || (termCounts.get(t) ?? 0) > 1)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limits.keywords)
    .map(([t]) => t)
  const confidence = concepts.length === 0 ? 0 : round(concepts.reduce((s, c) => s + c.confidence, 0) / concepts.length * Math.min(1, 0.5 + concepts.length / 20))
  return { concepts, entities, relationships, domainKeywords, nodeTypeHints, confidence, wordCount: tokenize(text).length, sentenceCount: sentences.length }
}

/** Share of node-type keyword hits per type; all zero when the text names none. */
export function hintsFor (wordStems: readonly string[]): NodeTypeHints {
  const hits: NodeTypeHints = { effect: 0, compute: 0, reducer: 0, orchestrator: 0 }
  for (const w of wordStems) {
    for (const type of ['effect', 'compute', 'reducer', 'orchestrator'] as const) {
      if (NODE_TYPE_KEYWORDS[type].includes(w)) hits[type]++
    }
  }
  const total = hits.effect + hits.compute + hits.reducer + hits.orchestrator
  if (total === 0) return hits
  return { effect: round(hits.effect / total), compute: round(hits.compute / total), reducer: round(hits.reducer / total), orchestrator: round(hits.orchestrator / total) }
}

function extractEntities (text: string): Entity[] {
  const counts = new Map<string, { type: string, mentions: number }>()
  const add = (name: string, type: string): void => {
    const e = counts.get(name)
    if (e === undefined) counts.set(name, { type, mentions: 1 })
    else e.mentions++
  }
  // Capitalised runs not at a sentence start, CamelCase names, and known technologies.
  const re = /(?<![.!?]\s|^)\b([A-Z][a-zA-Z0-9]+(?:\s+[A-Z][a-zA-Z0-9]+){0,3})\b|\b([a-z]+[A-Z][a-zA-Z0-9]*)\b/gm
  let m: RegExpExecArray | null
  let guard = 0
  while ((m = re.exec(text)) !== null && guard++ < 10_000) {
    const name = (m[1] ?? m[2] ?? '').trim()
    if (name.length < 2 || isStopWord(name.toLowerCase())) continue
    add(name, TECHNOLOGIES.has(name.toLowerCase()) ? 'technology' : /[a-z][A-Z]/.test(name) ? 'component' : /^[A-Z0-9]+$/.test(name) ? 'acronym' : 'named_entity')
  }
  const named = new Set([...counts.keys()].map(k => k.toLowerCase()))
  // Whole words here: tokenize() would split PostgreSQL into postgre + sql.
  for (const word of text.toLowerCase().match(/[a-z][a-z0-9+#]*/g) ?? []) {
    if (TECHNOLOGIES.has(word) && !named.has(word)) add(word, 'technology')
  }
  const maxMentions = Math.max(1, ...[...counts.values()].map(e => e.mentions))
  return [...counts.entries()]
    .map(([name, e]) => ({ name, type: e.type, mentions: e.mentions, confidence: round(Math.min(1, 0.6 + 0.3 * e.mentions / maxMentions + (e.type === 'technology' ? 0.1 : 0))) }))
    .sort((a, b) => b.mentions - a.mentions || a.name.localeCompare(b.name))
    .slice(0, 50)
}

function extractRelationships (sentences: readonly string[], entities: readonly Entity[]): Relationship[] {
  const out: Relationship[] = []
  const seen = new Set<string>()
  // Whole words, so "User" is not found inside "UserService"; case matters except for technologies
  // found in lower case ("kafka").
  const matchers = entities.map(e => ({ name: e.name, re: new RegExp(`\\b${e.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, e.name === e.name.toLowerCase() ? 'i' : '') }))
  for (const sentence of sentences.slice(0, 2_000)) {
    const present = matchers
      .map(({ name, re }) => ({ name, at: re.exec(sentence)?.index ?? -1 }))
      .filter(p => p.at >= 0)
      .sort((a, b) => a.at - b.at)
    for (let i = 0; i + 1 < present.length; i++) {
      const a = present[i]
      const b = present[i + 1]
      if (a === undefined || b === undefined) continue
      const between = tokenize(sentence.slice(a.at + a.name.length, b.at)).map(stem)
      const verb = between.map(w => RELATION_VERBS.find(([re]) => re.test(w))?.[1]).find(t => t !== undefined)
      const type = verb ?? 'related_to'
      const key = `${a.name}|${type}|${b.name}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ source: a.name, target: b.name, type, confidence: verb === undefined ? 0.5 : 0.75, context: truncate(sentence) })
    }
  }
  return out
}

function contextOf (name: string, sentences: readonly string[], tokenized: readonly string[]): string {
  const i = tokenized.findIndex(s => s.includes(` ${name} `))
  const sentence = i < 0 ? undefined : sentences[i]
  return sentence === undefined ? '' : truncate(sentence)
}

function truncate (s: string): string {
  return s.length > 160 ? s.slice(0, 157) + '...' : s
}

function round (x: number): number {
  return Math.round(x * 1000) / 1000
}
