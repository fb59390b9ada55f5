// Plain-text processing shared by analyze (PRDs), pattern (descriptions) and mixin (requirements):
// tokenising, stop words, a light suffix stemmer, term and phrase counts, TF-IDF vectors.

const STOP_WORDS = new Set((
  'a about above after again against all also am an and any are as at be because been before being below ' +
  'between both but by can could did do does doing down during each either etc every few for from further ' +
  'had has have having he her here hers him his how i if in into is it its itself just let like may me might ' +
  'more most must my no nor not now of off on once only or other our ours out over own per same shall she ' +
  'should so some such than that the their theirs them then there these they this those through thus to too ' +
  'under until up upon us use used uses using very via was we were what when where whether which while who ' +
  'whom why will with within without would you your yours e g ie eg able new want wants need needs needed ' +
  'provide provides support supports allow allows make makes one two get gets given based well within'
).split(/\s+/))

export function isStopWord (word: string): boolean {
  return STOP_WORDS.has(word)
}

/** Lower-case word tokens; identifiers are split on camelCase and snake_case boundaries first. */
export function tokenize (text: string): string[] {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .match(/[a-z][a-z0-9+#]*/g)
  return words ?? []
}

/** Content words: tokens that are not stop words and longer than one letter. */
export function contentWords (text: string): string[] {
  return tokenize(text).filter(w => w.length > 1 && !STOP_WORDS.has(w))
}

/**
 * A deliberately small suffix stripper (plural, -ing, -ed, -ion…), enough for "caching"/"cache",
 * "retries"/"retry", "persisting"/"persist" to meet. Not Porter: predictable beats clever here.
 */
export function stem (word: string): string {
  let w = word
  if (w.length <= 3) return w
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y'
  if (w.endsWith('sses')) return w.slice(0, -2)
  for (const suffix of ['ations', 'ation', 'ings', 'ing', 'ers', 'er', 'ors', 'or', 'ed', 'es', 'ly', 's']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3 && !(suffix === 's' && w.endsWith('ss'))) {
      w = w.slice(0, -suffix.length)
      break
    }
  }
  if (w.length > 3 && w[w.length - 1] === w[w.length - 2] && !/[lsz]/.test(w[w.length - 1] ?? '')) w = w.slice(0, -1)
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1)
  return w
}

// Words that mean the same in node descriptions; mapped to one stem so a query need not guess the
// catalog's wording.
const SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['postgres', 'postgresql'], ['pg', 'postgresql'], ['db', 'database'], ['sav', 'persist'], ['stor', 'persist'],
  ['writ', 'persist'], ['upsert', 'persist'], ['email', 'mail'], ['smtp', 'mail'], ['emit', 'publish'],
  ['rest', 'http'], ['api', 'http'], ['calcul', 'comput'], ['calculat', 'comput'], ['combin', 'merg'], ['sum', 'aggregat'],
  ['checkout', 'order'], ['purchas', 'order'], ['notif', 'notification'], ['notify', 'notification']
])

export function stems (text: string): string[] {
  return contentWords(text).map(w => { const s = stem(w); return SYNONYMS.get(s) ?? s })
}

/** Sentences end at . ! ? or a blank line; a list item or heading starts a new one; wrapped lines join. */
export function splitSentences (text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*#>]|\d+[.)])\s)/)
    .map(s => s.replace(/\s+/g, ' ').trim())
    .filter(s => s.length > 0)
}

export function termFrequencies<T> (items: Iterable<T>): Map<T, number> {
  const tf = new Map<T, number>()
  for (const item of items) tf.set(item, (tf.get(item) ?? 0) + 1)
  return tf
}

/** Runs of 2..maxLength consecutive content words inside one sentence (stop words break a phrase). */
export function phrases (sentence: string, maxLength: number): string[] {
  const out: string[] = []
  let run: string[] = []
  const flush = (): void => {
    for (let n = 2; n <= maxLength; n++) {
      for (let i = 0; i + n <= run.length; i++) out.push(run.slice(i, i + n).join(' '))
    }
    run = []
  }
  for (const word of tokenize(sentence)) {
    if (word.length > 1 && !STOP_WORDS.has(word)) run.push(word)
    else flush()
  }
  flush()
  return out
}

export type SparseVector = Map<string, number>

/** Features of a text for similarity: its stems (pairs were tried: they dilute short queries). */
export function features (text: string): string[] {
  return stems(text)
}

export interface TfIdfIndex {
  readonly idf: ReadonlyMap<string, number>
  readonly vectors: readonly SparseVector[]
  /** IDF given to a feature no document has. */
  readonly unseenIdf: number
}

export function buildIndex (documents: readonly string[][]): TfIdfIndex {
  const df = new Map<string, number>()
  for (const doc of documents) for (const f of new Set(doc)) df.set(f, (df.get(f) ?? 0) + 1)
  const n = documents.length
  const idf = new Map<string, number>()
  for (const [f, d] of df) idf.set(f, Math.log((1 + n) / (1 + d)) + 1)
  const unseenIdf = Math.log(1 + n) + 1
  return { idf, unseenIdf, vectors: documents.map(doc => vectorize(doc, idf, unseenIdf)) }
}

export function vectorize (features: readonly string[], idf: ReadonlyMap<string, number>, unseenIdf: number): SparseVector {
  const v: SparseVector = new Map()
  for (const [f, count] of termFrequencies(features)) v.set(f, (1 + Math.log(count)) * (idf.get(f) ?? unseenIdf))
  return v
}

export function cosine (a: SparseVector, b: SparseVector): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (const [k, x] of a) {
    na += x * x
    const y = b.get(k)
    if (y !== undefined) dot += x * y
  }
  for (const y of b.values()) nb += y * y
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}

/** Share of the query's weight that the document contains: how much of what was asked it covers. */
export function coverage (query: SparseVector, doc: SparseVector): number {
  let total = 0
  let covered = 0
  for (const [k, w] of query) {
    total += w
    if (doc.has(k)) covered += w
  }
  return total === 0 ? 0 : covered / total
}
