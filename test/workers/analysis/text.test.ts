import t from 'tap'
import { buildIndex, contentWords, cosine, coverage, features, phrases, splitSentences, stem, tokenize, vectorize } from '../../../workers/analysis/text.js'
import { analyzeText, hintsFor, MAX_TEXT_CHARS } from '../../../workers/analysis/prd.js'

t.test('tokenize splits identifiers', async t => {
  t.same(tokenize('UserRepository saves HTTPServer user_id'), ['user', 'repository', 'saves', 'http', 'server', 'user', 'id'])
  t.same(contentWords('The user and the order'), ['user', 'order'])
})

t.test('stemming meets word forms', async t => {
  for (const [a, b] of [['caching', 'cache'], ['retries', 'retry'], ['persisting', 'persist'], ['orchestrator', 'orchestrate'], ['aggregates', 'aggregator'], ['writes', 'writer']]) {
    t.equal(stem(a ?? ''), stem(b ?? ''), `${a} ~ ${b}`)
  }
  t.equal(stem('ssl'), 'ssl')
  t.equal(stem('class'), 'class')
})

t.test('sentences and phrases', async t => {
  t.same(splitSentences('One. Two\nwrapped!\n\nThree\n- item'), ['One.', 'Two wrapped!', 'Three', '- item'])
  t.same(phrases('order price calculation for the user', 3), ['order price', 'price calculation', 'order price calculation'])
})

t.test('similarity primitives', async t => {
  const index = buildIndex([features('publish kafka events'), features('store users in postgres')])
  const q = vectorize(features('publish events'), index.idf, index.unseenIdf)
  t.ok(cosine(q, index.vectors[0] ?? new Map()) > cosine(q, index.vectors[1] ?? new Map()))
  t.equal(coverage(q, index.vectors[0] ?? new Map()), 1)
  t.equal(coverage(new Map(), new Map()), 0)
  t.equal(cosine(new Map(), q), 0)
})

t.test('hints and bounded text analysis', async t => {
  t.equal(hintsFor(['workflow'].map(stem)).orchestrator, 1)
  const huge = 'Workflow step. '.repeat(MAX_TEXT_CHARS / 10)
  const r = analyzeText(huge, 'detailed', 0)
  t.ok(r.wordCount <= MAX_TEXT_CHARS)
})
