import t from 'tap'
import { analyzeCode } from '../../../workers/analysis/code.js'
import { emptyFacts } from '../../../workers/analysis/model.js'
import { detectEra, relevanceScore, RULES, scoreOnex, suggestions } from '../../../workers/analysis/onex.js'
import { measure } from '../../../workers/analysis/metrics.js'
import { BAD_PYTHON, BAD_TYPESCRIPT, GOOD_PYTHON, GOOD_TYPESCRIPT } from '../fixtures/code.js'

t.test('rule ids are unique', async t => {
  t.equal(new Set(RULES.map(r => r.id)).size, RULES.length)
})

t.test('modern code is compliant and valid', async t => {
  for (const [src, lang] of [[GOOD_PYTHON, 'python'], [GOOD_TYPESCRIPT, 'typescript']] as const) {
    const { facts } = await analyzeCode(src, lang)
    const s = scoreOnex(facts, 1)
    t.same(s.violations, [], lang)
    t.equal(s.era, 'modern_onex', lang)
    t.ok(s.complianceScore >= 0.9, `${lang} compliance ${s.complianceScore}`)
    t.ok(s.qualityScore >= 0.7, `${lang} quality ${s.qualityScore}`)
    t.equal(s.isValid, true, lang)
  }
})

t.test('critical patterns zero the compliance and forbidden ones cut quality by 90%', async t => {
  const { facts } = await analyzeCode(BAD_PYTHON, 'python')
  const s = scoreOnex(facts, 1)
  t.equal(s.complianceScore, 0)
  t.equal(s.isValid, false)
  const ids = s.hits.map(h => h.rule.id)
  for (const id of ['any_import', 'any_annotation', 'lowercase_model', 'direct_instantiation', 'pydantic_dict', 'pydantic_json', 'os_import', 'validator_decorator']) t.ok(ids.includes(id), id)
  t.ok(s.violations.includes('CRITICAL: Uses Any type annotations (forbidden in ONEX)'))
  t.ok(s.warnings.includes('Legacy Pydantic v1 .dict() method (use .model_dump())'))
  t.ok(s.qualityScore <= 0.04, 'x 0.1 penalty')
  const ts = scoreOnex((await analyzeCode(BAD_TYPESCRIPT, 'typescript')).facts, 1)
  t.equal(ts.complianceScore, 0)
  t.equal(ts.isValid, false)
  t.ok(ts.hits.some(h => h.rule.id === 'multilevel_relative_import'))
  t.ok(ts.hits.some(h => h.rule.id === 'lowercase_class'))
})

t.test('patterns in comments and strings do not count (they did with regexes)', async t => {
  const { facts } = await analyzeCode('# x: Any = Database()\nclass ModelA(BaseModel):\n    """Call .dict() never."""\n    note: str = "user.dict()"\n', 'python')
  const s = scoreOnex(facts, 1)
  t.same(s.hits.filter(h => h.rule.severity === 'critical'), [])
})

t.test('pydantic rules are Python-only', async t => {
  const { facts } = await analyzeCode('export async function f (r: Response): Promise<unknown> { return r.json() }\n', 'typescript')
  t.notOk(scoreOnex(facts, 1).hits.some(h => h.rule.id === 'pydantic_json'))
})

t.test('compliance arithmetic: 0.5 - 0.1 per moderate + 0.1 per modern - 0.05 per validator violation', async t => {
  const facts = emptyFacts('python', '')
  facts.imports.push({ module: 'os', names: [], line: 1, relativeLevel: 0 })
  t.equal(scoreOnex(facts, 1).complianceScore, 0.4)
  facts.identifiers.set('OnexError', 3)
  t.equal(scoreOnex(facts, 1).complianceScore, 0.7)
  facts.syntaxErrors.push({ line: 1, column: 1, message: 'x' })
  facts.syntaxErrorCount = 1
  const s = scoreOnex(facts, 1)
  t.equal(s.complianceScore, 0.65)
  t.same(s.omnibaseViolations, ['Syntax error at line 1, column 1: x'])
  t.same(s.violations, ['ONEX VALIDATOR: Syntax error at line 1, column 1: x'])
  t.equal(s.isValid, false, 'syntax errors make code invalid')
})

t.test('quality = 0.6 compliance + 0.3 relevance + 0.1 era modifier', async t => {
  const facts = emptyFacts('python', '')
  const s = scoreOnex(facts, 0.5)
  t.equal(s.era, 'modern_onex', 'no era evidence defaults to modern')
  t.equal(s.qualityScore, Math.round((0.6 * 0.5 + 0.3 * 0.5 + 0.01) * 10_000) / 10_000)
})

t.test('era detection follows the old table', async t => {
  const era = async (src: string): Promise<string> => detectEra((await analyzeCode(src, 'python')).facts)
  t.equal(await era('import argparse\nclass UserTool:\n    pass\ndef main():\n    parser = argparse.ArgumentParser()\n'), 'pre_nodebase')
  t.equal(await era('class UserService(NodeBase):\n    pass\n'), 'early_nodebase')
  t.equal(await era('contract_path = Path("contract.yaml")\nconfig = from_contract(contract_path)\n'), 'contract_driven')
  t.equal(await era('def __init__(self, registry: BaseOnexRegistry):\n    pass\n'), 'modern_onex')
  const s = scoreOnex((await analyzeCode('class UserService(NodeBase):\n    pass\n', 'python')).facts, 1)
  t.ok(s.warnings.includes('Code uses outdated architectural patterns (early_nodebase)'))
})

t.test('relevance decays with age; unknown means just generated', async t => {
  const now = new Date('2025-10-15T00:00:00Z')
  const daysAgo = (d: number): Date => new Date(now.getTime() - d * 86_400_000)
  t.equal(relevanceScore(null, now), 1)
  t.equal(relevanceScore(new Date('nonsense'), now), 1)
  t.same([10, 60, 120, 300, 400].map(d => relevanceScore(daysAgo(d), now)), [1, 0.9, 0.7, 0.5, 0.3])
})

t.test('suggestions use the old format, top 10, highest priority first', async t => {
  const { facts, metrics } = await analyzeCode(BAD_PYTHON + '\ndef broken(:\n', 'python')
  const s = scoreOnex(facts, 1)
  const list = suggestions(s, facts, metrics, 'effect')
  t.ok(list.length > 0 && list.length <= 10)
  for (const line of list) t.match(line, /^\[PRIORITY:\d+\] \[[A-Z_]+\] .+ - .+/)
  const priorities = list.map(l => Number(/PRIORITY:(\d+)/.exec(l)?.[1]))
  t.same(priorities, [...priorities].sort((a, b) => b - a))
  t.match(list[0], /\[SYNTAX\]/)
})

t.test('metric suggestions: complexity, nesting, typing, docs, era', async t => {
  const deep = 'def f(a, b):\n' + Array.from({ length: 12 }, (_, i) => ' '.repeat(4 * (i + 1)) + `if a > ${i}:\n`).join('') + ' '.repeat(52) + 'return b\n'
  const { facts } = await analyzeCode('import argparse\n' + deep, 'python')
  const s = scoreOnex(facts, 1)
  const list = suggestions(s, facts, measure(facts), 'compute').join('\n')
  for (const type of ['COMPLEXITY', 'TYPE_SAFETY', 'DOCUMENTATION', 'ARCHITECTURE']) t.match(list, `[${type}]`)
  t.match(list, /NodeCompute/)
})

t.test('more syntax errors than reported are summarised', async t => {
  const facts = emptyFacts('python', '')
  for (let i = 1; i <= 12; i++) facts.syntaxErrors.push({ line: i, column: 1, message: 'x' })
  facts.syntaxErrorCount = 30
  const s = scoreOnex(facts, 1)
  t.equal(s.omnibaseViolations.length, 11)
  t.equal(s.omnibaseViolations[10], '20 more syntax errors')
})
