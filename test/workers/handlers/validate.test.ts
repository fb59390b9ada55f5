import t from 'tap'
import { validateHandler, DEFAULT_MAX_CODE_CHARS } from '../../../workers/handlers/validate.js'
import { HandlerInputError, type JsonObject } from '../../../workers/handlers/types.js'
import { BAD_PYTHON, BAD_TYPESCRIPT, GOOD_PYTHON, GOOD_TYPESCRIPT, PYTHON_SYNTAX_ERROR, TS_SYNTAX_ERROR, nestedPython, nestedTypeScript } from '../fixtures/code.js'
import { ctx } from '../fixtures/context.js'

const run = async (payload: JsonObject, options: Record<string, unknown> = {}): Promise<JsonObject & { details: JsonObject }> =>
  await validateHandler.handle(payload, ctx(options)) as JsonObject & { details: JsonObject }

t.test('definition', async t => {
  t.equal(validateHandler.name, 'validate')
  t.same(validateHandler.eventTypes, ['codegen.request.validate', 'code.validate', 'omninode.codegen.request.validate.v1'])
  t.equal(validateHandler.payloadType, 'CodegenValidateResponse')
  t.equal(validateHandler.errorCode, 'VALIDATION_ERROR')
})

t.test('good code is valid in both languages', async t => {
  const py = await run({ code_content: GOOD_PYTHON, node_type: 'effect', file_path: 'src/nodes/node_user_effect.py' })
  t.equal(py.is_valid, true)
  t.equal(py.details.language, 'python')
  t.same(py.violations, [])
  const ts = await run({ code_content: GOOD_TYPESCRIPT, file_path: 'src/nodes/node-user-effect.ts' })
  t.equal(ts.is_valid, true)
  t.equal(ts.details.language, 'typescript')
  t.equal(ts.details.node_type, 'effect', 'default node type')
})

t.test('code with the old critical patterns is invalid', async t => {
  const py = await run({ code_content: BAD_PYTHON })
  t.equal(py.is_valid, false)
  t.equal(py.onex_compliance_score, 0)
  t.ok((py.violations as string[]).some(v => v.startsWith('CRITICAL: ')))
  const ts = await run({ code_content: BAD_TYPESCRIPT, language: 'typescript' })
  t.equal(ts.is_valid, false)
  t.equal(ts.onex_compliance_score, 0)
})

t.test('syntax errors are located and make code invalid', async t => {
  const py = await run({ code_content: PYTHON_SYNTAX_ERROR })
  t.equal(py.is_valid, false)
  const errors = py.details.syntax_errors as Array<{ line: number, column: number, message: string }>
  t.equal(errors[0]?.line, 4)
  t.ok((py.violations as string[]).some(v => v.startsWith('ONEX VALIDATOR: Syntax error at line 4')))
  const ts = await run({ code_content: TS_SYNTAX_ERROR, file_path: 'x.ts' })
  t.same((ts.details.syntax_errors as unknown[])[0], { line: 5, column: 35, message: "',' expected." })
  t.equal(ts.is_valid, false)
})

t.test('measurements are reported', async t => {
  const r = await run({ code_content: GOOD_PYTHON })
  const d = r.details
  t.same((d.cyclomatic_complexity as Array<{ name: string }>).map(f => f.name), ['check_email', '__init__', 'execute_effect'])
  t.equal(d.max_nesting_depth, 4)
  t.ok((d.lines_of_code as number) > 0)
  t.ok((d.maintainability_index as number) > 0 && (d.maintainability_index as number) <= 100)
  t.equal(d.docstring_coverage, 1)
  t.equal(d.type_annotation_coverage, 1)
  t.equal(d.relevance_score, 1)
  t.match(d.validation_timestamp, /^\d{4}-\d\d-\d\dT/)
})

t.test('language: payload, then extension, then Python', async t => {
  t.equal((await run({ code_content: 'let x = 1', language: 'javascript' })).details.language, 'javascript')
  t.equal((await run({ code_content: 'let x = 1', file_path: 'a.mjs' })).details.language, 'javascript')
  t.equal((await run({ code_content: 'x = 1', file_path: 'a.txt', language: 'cobol' })).details.language, 'python')
})

t.test('an old file_last_modified lowers relevance', async t => {
  const r = await run({ code_content: 'x = 1\n', file_last_modified: '2001-01-01T00:00:00Z' })
  t.equal(r.details.relevance_score, 0.3)
})

t.test('requests that cannot be served are HandlerInputErrors', async t => {
  await t.rejects(run({}), HandlerInputError)
  await t.rejects(run({ code_content: 42 }), { name: 'HandlerInputError', message: 'Field code_content must be a string' })
  await t.rejects(run({ code_content: '' }), { message: 'Missing required field: code_content' })
  await t.rejects(run({ code_content: 'x = 1\n'.repeat(10) }, { maxCodeChars: 20 }), { message: 'code_content is 60 characters, over the limit of 20' })
})

t.test('pathological input finishes with a result', async t => {
  const deepPy = await run({ code_content: nestedPython(5_000) })
  t.equal(deepPy.is_valid, false)
  const deepTs = await run({ code_content: nestedTypeScript(10_000), language: 'ts' })
  t.equal(deepTs.is_valid, false)
  const blocks = await run({ code_content: 'function f () {\n' + '{'.repeat(3_000) + '}'.repeat(3_000) + '\n}\n', language: 'typescript' })
  t.equal(blocks.is_valid, false)
  const longLine = await run({ code_content: 'a'.repeat(DEFAULT_MAX_CODE_CHARS) })
  t.equal(longLine.details.lines_of_code, 1)
  await t.rejects(run({ code_content: 'a'.repeat(5 * 1024 * 1024) }), HandlerInputError, '5 MB is over the default limit')
  const binary = await run({ code_content: '\u0000\u0001\u0002\uFFFD'.repeat(1_000) })
  t.equal(binary.is_valid, false)
  const whitespace = await run({ code_content: '   \n\n' })
  t.equal(whitespace.details.lines_of_code, 0)
  const truncated = await run({ code_content: 'x = f(1)\n'.repeat(500) }, { maxNodes: 100 })
  t.equal(truncated.details.truncated, true)
})
