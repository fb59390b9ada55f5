// Whatever string a producer sends, a handler either answers with scores in range or refuses it with a
// HandlerInputError; nothing else escapes.
import t from 'tap'
import fc from 'fast-check'
import { analyzeHandler, mixinHandler, patternHandler, validateHandler } from '../../../workers/handlers/index.js'
import { HandlerInputError, type JsonObject } from '../../../workers/handlers/types.js'
import { ctx } from '../fixtures/context.js'

const codeLike = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(fc.constantFrom('def ', 'class ', '(', ')', '[', '{', '}', ':', '\n', '    ', 'x', ' = ', 'Any', '.dict()', 'if ', 'async ', '"""', '#', 'import ', 'from ', 'lambda', '=>', 'any', 'new ', ';'), { maxLength: 80 }).map(a => a.join(''))
)

// A thunk, because a synchronous handler throws before any promise exists.
async function settle (call: () => Promise<JsonObject> | JsonObject): Promise<JsonObject | null> {
  try {
    return await call()
  } catch (err) {
    if (err instanceof HandlerInputError) return null
    throw err
  }
}

const inUnit = (x: unknown): boolean => typeof x === 'number' && x >= 0 && x <= 1

t.test('validate: any code in any language', async t => {
  await fc.assert(fc.asyncProperty(codeLike, fc.constantFrom('python', 'typescript', 'javascript'), async (code, language) => {
    const r = await settle(() => validateHandler.handle({ code_content: code, language }, ctx()))
    if (r === null) return code.length === 0
    const d = r.details as JsonObject
    return inUnit(r.quality_score) && inUnit(r.onex_compliance_score) && inUnit(d.docstring_coverage) &&
      inUnit(d.type_annotation_coverage) && typeof r.is_valid === 'boolean' &&
      (d.syntax_error_count === 0 || r.is_valid === false)
  }), { numRuns: 150 })
  t.pass('held')
})

t.test('analyze, pattern, mixin: any text', async t => {
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 400 }), fc.anything(), async (text, junk) => {
    const a = await settle(() => analyzeHandler.handle({ prd_content: text, min_confidence: junk }, ctx()))
    if (a !== null && !inUnit(a.confidence)) return false
    const p = await settle(() => patternHandler.handle({ node_description: text, limit: junk }, ctx()))
    if (p !== null && !(p.similar_nodes as Array<{ similarity_score: number }>).every(n => inUnit(n.similarity_score))) return false
    const m = await settle(() => mixinHandler.handle({ requirements: [text], node_type: junk }, ctx()))
    return m === null || (inUnit(m.avg_confidence) && (m.recommendations as Array<{ confidence: number }>).every(r => inUnit(r.confidence)))
  }), { numRuns: 200 })
  t.pass('held')
})

t.test('non-string payload fields are refused, not crashed on', async t => {
  await fc.assert(fc.asyncProperty(fc.anything().filter(v => typeof v !== 'string'), async value => {
    for (const [h, key] of [[validateHandler, 'code_content'], [patternHandler, 'node_description']] as const) {
      const r = await settle(() => h.handle({ [key]: value }, ctx()))
      if (r !== null) return false
    }
    return true
  }), { numRuns: 100 })
  t.pass('held')
})
