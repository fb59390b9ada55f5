import t from 'tap'
import { analyzePython, loadPythonParser } from '../../../workers/analysis/python.js'
import { DEFAULT_LIMITS } from '../../../workers/analysis/model.js'
import { BAD_PYTHON, GOOD_PYTHON, PYTHON_SYNTAX_ERROR, indentedPython, nestedPython } from '../fixtures/code.js'

t.test('the parser is loaded once and shared', async t => {
  const [a, b] = await Promise.all([loadPythonParser(), loadPythonParser()])
  t.equal(a, b)
})

t.test('facts of a modern node', async t => {
  const f = await analyzePython(GOOD_PYTHON, DEFAULT_LIMITS)
  t.same(f.syntaxErrors, [])
  t.same(f.classes.map(c => [c.name, c.bases, c.hasDocstring]), [['ModelUserInput', ['BaseModel'], true], ['NodeUserEffect', ['NodeEffect'], true]])
  t.same(f.functions.map(fn => fn.name), ['check_email', '__init__', 'execute_effect'])
  const exec = f.functions.find(fn => fn.name === 'execute_effect')
  t.equal(exec?.complexity, 4, 'for + if + and')
  t.equal(exec?.className, 'NodeUserEffect')
  t.equal(exec?.params, 1, 'self is not a parameter')
  t.equal(exec?.annotatedParams, 1)
  t.equal(f.functions.find(fn => fn.name === '__init__')?.returnAnnotated, null)
  t.same(f.imports.find(i => i.module === 'omnibase.protocols')?.names, ['ProtocolUserStore'])
  t.ok(f.calls.some(c => c.name === 'model_dump' && c.isMethod && c.caller === 'execute_effect'))
  t.same(f.decorators.map(d => d.name), ['field_validator', 'classmethod'])
  t.equal(f.maxNestingDepth, 4, 'class > def > for > if')
  t.same(f.anyTypeLines, [])
  t.ok(f.linesOfCode > 25 && f.linesOfCode < f.totalLines, 'blank lines are not code')
  t.ok(f.halstead.totalOperands > 0 && f.halstead.totalOperators > 0)
})

t.test('legacy facts', async t => {
  const f = await analyzePython(BAD_PYTHON, DEFAULT_LIMITS)
  t.same(f.anyTypeLines, [8, 15], 'Any inside annotations, not the import')
  t.ok(f.calls.some(c => c.name === 'Database' && c.args === 0))
  t.ok(f.calls.some(c => c.name === 'dict' && c.isMethod))
  t.same(f.imports.find(i => i.module === 'typing')?.names, ['Any', 'Dict'])
  t.same(f.functions.find(fn => fn.name === 'save')?.firstStatement, { target: 'db', callee: 'Database' })
})

t.test('relative imports and wildcard', async t => {
  const f = await analyzePython('from ..pkg import a as b\nfrom . import c\nfrom x import *\nimport a.b as c, d\n', DEFAULT_LIMITS)
  t.same(f.imports.map(i => [i.module, i.relativeLevel, i.names]), [['pkg', 2, ['a']], ['', 1, ['c']], ['x', 0, ['*']], ['a.b', 0, []], ['d', 0, []]])
})

t.test('syntax errors are located', async t => {
  const f = await analyzePython(PYTHON_SYNTAX_ERROR, DEFAULT_LIMITS)
  t.ok(f.syntaxErrorCount >= 1)
  t.equal(f.syntaxErrors[0]?.line, 4)
  t.ok((f.syntaxErrors[0]?.column ?? 0) >= 1)
  const missing = await analyzePython('x = foo(1, 2\n', DEFAULT_LIMITS)
  t.ok(missing.syntaxErrorCount >= 1)
})

t.test('CPython nesting limits are reported as syntax errors, without recursion', async t => {
  const deep = await analyzePython(nestedPython(5_000), DEFAULT_LIMITS)
  t.equal(deep.syntaxErrors[0]?.message, 'too many nested parentheses')
  t.equal(deep.syntaxErrors[0]?.column, 205)
  const ok = await analyzePython(nestedPython(150), DEFAULT_LIMITS)
  t.same(ok.syntaxErrors, [])
  const indented = await analyzePython(indentedPython(150), DEFAULT_LIMITS)
  t.ok(indented.syntaxErrors.some(e => e.message === 'too many levels of indentation'))
  t.equal(indented.maxNestingDepth, 150)
})

t.test('work is bounded by maxNodes and caps', async t => {
  const src = 'x = f(1)\n'.repeat(2_000)
  const f = await analyzePython(src, { maxNodes: 500, maxSyntaxErrors: 2, maxItems: 10 })
  t.equal(f.truncated, true)
  t.ok(f.nodeCount <= 501)
  t.ok(f.calls.length <= 10)
  const errors = await analyzePython(')\n'.repeat(100), { maxNodes: 10_000, maxSyntaxErrors: 2, maxItems: 10 })
  t.ok(errors.syntaxErrors.length <= 2)
  t.ok(errors.syntaxErrorCount >= errors.syntaxErrors.length)
})

t.test('empty and binary input', async t => {
  const empty = await analyzePython('', DEFAULT_LIMITS)
  t.equal(empty.linesOfCode, 0)
  t.equal(empty.totalLines, 0)
  const binary = await analyzePython('\u0000\u0001\uffff\u0000abc\u0000', DEFAULT_LIMITS)
  t.ok(binary.syntaxErrorCount >= 1)
})

t.test('functions beyond maxItems still get complexity frames', async t => {
  const src = Array.from({ length: 5 }, (_, i) => `def f${i}(a):\n    if a:\n        return 1\n`).join('')
  const f = await analyzePython(src, { maxNodes: 10_000, maxSyntaxErrors: 5, maxItems: 2 })
  t.equal(f.functions.length, 2)
  t.equal(f.decisionPoints, 5)
})
