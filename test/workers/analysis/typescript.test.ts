import t from 'tap'
import { analyzeTypeScript, relativeLevel, TS_MAX_BRACKET_DEPTH } from '../../../workers/analysis/typescript.js'
import { DEFAULT_LIMITS } from '../../../workers/analysis/model.js'
import { BAD_TYPESCRIPT, GOOD_TYPESCRIPT, TS_SYNTAX_ERROR, nestedTypeScript } from '../fixtures/code.js'

t.test('facts of a modern node', async t => {
  const f = analyzeTypeScript(GOOD_TYPESCRIPT, 'typescript', DEFAULT_LIMITS)
  t.same(f.syntaxErrors, [])
  t.same(f.classes.map(c => [c.name, c.bases, c.hasDocstring]), [['NodeUserEffect', ['NodeEffect'], true]])
  t.same(f.functions.map(fn => [fn.name, fn.className, fn.hasDocstring]), [['constructor', 'NodeUserEffect', true], ['executeEffect', 'NodeUserEffect', true]])
  const exec = f.functions.find(fn => fn.name === 'executeEffect')
  t.equal(exec?.complexity, 4, 'if + for + if')
  t.equal(exec?.returnAnnotated, true)
  t.same(f.functions[0]?.paramTypes, [['container', 'ModelONEXContainer']])
  t.same(f.imports.map(i => [i.module, i.names]), [['@omnibase/core', ['NodeEffect', 'OnexError', 'CoreErrorCode', 'ModelONEXContainer']], ['@omnibase/protocols', ['ProtocolUserStore']]])
  t.equal(f.maxNestingDepth, 4, 'class > method > for > if')
  t.same(f.anyTypeLines, [])
  t.ok(f.calls.some(c => c.name === 'super'))
  t.ok(f.linesOfCode > 20 && f.linesOfCode < f.totalLines)
})

t.test('legacy facts', async t => {
  const f = analyzeTypeScript(BAD_TYPESCRIPT, 'typescript', DEFAULT_LIMITS)
  t.same(f.anyTypeLines, [5])
  t.ok(f.calls.some(c => c.name === 'Database' && c.args === 0))
  t.same(f.imports.map(i => [i.module, i.relativeLevel]), [['os', 0], ['../../shared/helper', 3]])
  t.equal(f.functions[0]?.returnAnnotated, false)
  t.same(f.functions[0]?.firstStatement, { target: 'db', callee: 'Database' })
})

t.test('JavaScript, JSX, require and dynamic import', async t => {
  const f = analyzeTypeScript(`const fs = require('fs')\nconst f = async () => (await import('./x.js')).default\n/** doc */\nconst App = () => <div>{a && b}</div>\nexport { f as g } from './y'\n`, 'javascript', DEFAULT_LIMITS, { fileName: 'app.jsx' })
  t.same(f.syntaxErrors, [])
  t.same(f.imports.map(i => i.module), ['fs', './x.js', './y'])
  t.same(f.functions.map(fn => [fn.name, fn.hasDocstring]), [['f', false], ['App', true]])
  t.equal(f.functions[1]?.complexity, 2, '&& is a decision')
})

t.test('else-if chains do not nest deeper', async t => {
  const f = analyzeTypeScript('function f (a: number): number {\n  if (a === 1) return 1\n  else if (a === 2) return 2\n  else if (a === 3) return 3\n  return 0\n}\n', 'typescript', DEFAULT_LIMITS)
  t.equal(f.maxNestingDepth, 2)
  t.equal(f.functions[0]?.complexity, 4)
})

t.test('syntax errors are located', async t => {
  const f = analyzeTypeScript(TS_SYNTAX_ERROR, 'typescript', DEFAULT_LIMITS)
  t.ok(f.syntaxErrorCount >= 1)
  t.same(f.syntaxErrors[0], { line: 5, column: 35, message: "',' expected." })
})

t.test('pathological nesting is refused before the recursive parser sees it', async t => {
  const deep = analyzeTypeScript(nestedTypeScript(10_000), 'typescript', DEFAULT_LIMITS)
  t.equal(deep.syntaxErrorCount, 1)
  t.match(deep.syntaxErrors[0]?.message, /nesting deeper than/)
  t.equal(deep.syntaxErrors[0]?.column, 'const x = '.length + TS_MAX_BRACKET_DEPTH + 1)
  const ok = analyzeTypeScript(nestedTypeScript(200), 'typescript', DEFAULT_LIMITS)
  t.same(ok.syntaxErrors, [])
  // Nesting without brackets still recurses in the parser; the RangeError is the backstop.
  const arrows = analyzeTypeScript('const f = ' + 'a => '.repeat(50_000) + '1\n', 'typescript', DEFAULT_LIMITS)
  t.ok(arrows.syntaxErrorCount <= 1)
})

t.test('work is bounded', async t => {
  const f = analyzeTypeScript('f(1);\n'.repeat(2_000), 'typescript', { maxNodes: 300, maxSyntaxErrors: 2, maxItems: 10 })
  t.equal(f.truncated, true)
  t.ok(f.calls.length <= 10)
})

t.test('relative levels follow Python dots', async t => {
  t.equal(relativeLevel('lodash'), 0)
  t.equal(relativeLevel('./a'), 1)
  t.equal(relativeLevel('.'), 1)
  t.equal(relativeLevel('..'), 2)
  t.equal(relativeLevel('../a'), 2)
  t.equal(relativeLevel('../../a'), 3)
})

t.test('empty and binary input', async t => {
  const empty = analyzeTypeScript('', 'typescript', DEFAULT_LIMITS)
  t.equal(empty.linesOfCode, 0)
  t.same(empty.syntaxErrors, [])
  const binary = analyzeTypeScript('\u0000\u0001\uffff abc \u0000', 'typescript', DEFAULT_LIMITS)
  t.ok(binary.syntaxErrorCount >= 1)
})

t.test('functions beyond maxItems and star re-exports', async t => {
  const src = Array.from({ length: 5 }, (_, i) => `function f${i} (a: number): number { return a ? 1 : 0 }\n`).join('') + "export * from './all'\n"
  const f = analyzeTypeScript(src, 'typescript', { maxNodes: 10_000, maxSyntaxErrors: 5, maxItems: 2 })
  t.equal(f.functions.length, 2)
  t.equal(f.decisionPoints, 5)
  const all = analyzeTypeScript("export * from './all'\n", 'typescript', DEFAULT_LIMITS)
  t.same(all.imports, [{ module: './all', names: ['*'], line: 1, relativeLevel: 1 }])
  const legacy = analyzeTypeScript("import fs = require('fs')\nimport Alias = Some.Namespace\n", 'typescript', DEFAULT_LIMITS)
  t.same(legacy.imports.map(i => [i.module, i.names]), [['fs', ['fs']]])
})
