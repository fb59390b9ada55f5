import t from 'tap'
import { docstringCoverage, halsteadVolume, maintainabilityIndex, measure, typeAnnotationCoverage } from '../../../workers/analysis/metrics.js'
import { countLines, emptyFacts, type FunctionFact } from '../../../workers/analysis/model.js'

const fn = (over: Partial<FunctionFact>): FunctionFact => ({
  name: 'f', line: 1, complexity: 1, className: null, hasDocstring: false, params: 0, annotatedParams: 0,
  returnAnnotated: false, firstStatement: null, paramTypes: [], ...over
})

t.test('Halstead volume is N log2 n', async t => {
  t.equal(halsteadVolume({ halstead: { distinctOperators: 2, distinctOperands: 2, totalOperators: 4, totalOperands: 4 } }), 16)
  t.equal(halsteadVolume({ halstead: { distinctOperators: 1, distinctOperands: 0, totalOperators: 3, totalOperands: 0 } }), 0)
})

t.test('maintainability index is the classic formula scaled to 0..100', async t => {
  t.equal(maintainabilityIndex(0, 1, 0), 100)
  const raw = 171 - 5.2 * Math.log(1000) - 0.23 * 10 - 16.2 * Math.log(100)
  t.equal(maintainabilityIndex(1000, 10, 100), Math.round(raw * 100 / 171 * 100) / 100)
  t.equal(maintainabilityIndex(1e12, 10_000, 1e9), 0, 'clamped at 0')
  t.ok(maintainabilityIndex(100, 2, 10) > maintainabilityIndex(10_000, 40, 1_000), 'bigger and more complex is less maintainable')
})

t.test('coverages', async t => {
  t.equal(docstringCoverage({ functions: [], classes: [] }), 1)
  t.equal(docstringCoverage({ functions: [fn({ hasDocstring: true }), fn({})], classes: [{ name: 'C', line: 1, bases: [], hasDocstring: true }] }), 0.6667)
  t.equal(typeAnnotationCoverage({ functions: [] }), 1)
  t.equal(typeAnnotationCoverage({ functions: [fn({ params: 2, annotatedParams: 1, returnAnnotated: true }), fn({ params: 1, returnAnnotated: null })] }), 0.5)
})

t.test('measure lists every function', async t => {
  const facts = emptyFacts('python', 'x\ny\n')
  facts.functions.push(fn({ name: 'a', complexity: 3 }), fn({ name: 'b', line: 5 }))
  facts.decisionPoints = 2
  const m = measure(facts)
  t.same(m.cyclomaticComplexity, [{ name: 'a', line: 1, complexity: 3 }, { name: 'b', line: 5, complexity: 1 }])
  t.equal(m.totalComplexity, 3)
  t.equal(m.maxComplexity, 3)
  t.equal(measure(emptyFacts('python', '')).maxComplexity, 0)
})

t.test('line counting', async t => {
  t.equal(countLines(''), 0)
  t.equal(countLines('a'), 1)
  t.equal(countLines('a\n'), 1)
  t.equal(countLines('a\nb'), 2)
  t.equal(countLines('\n\n'), 2)
})
