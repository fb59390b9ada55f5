// The decision path of one event inside a worker, on the main thread: every way in ends in a reply or
// a failure with a catalogue code, never in a throw.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { handleEvent } from '../../workers/handle-event.js'
import { buildRouter, loadHandler, Router } from '../../workers/router.js'
import { HandlerInputError, type HandlerDefinition } from '../../workers/handlers/types.js'
import { RESPONSE_FIELDS } from '../../src/schemas/envelopes.js'
import type { RouteSpec } from '../../src/pool/task.js'

const source = { service: 'archon-intelligence', instance: 'test-host', version: '1.2.3' }
const bytes = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

function handler (handle: HandlerDefinition['handle'], eventTypes: string[] = ['test.do']): HandlerDefinition {
  return { name: 'tester', eventTypes, payloadType: 'TestResponse', errorCode: 'TEST_ERROR', handle }
}

function route (topics: string[] = ['req'], eventTypes: string[] = []): RouteSpec {
  return { handler: { builtin: 'unused' }, topics, eventTypes, responseTopic: 'resp', options: { depth: 2 } }
}

const router = (h: HandlerDefinition, spec = route()): Router => new Router([{ spec, handler: h }])

t.test('a served request: the contract envelope, keyed by correlation id, caused by the event id', async t => {
  const correlationId = randomUUID()
  const eventId = randomUUID()
  let seen: unknown
  const r = router(handler((payload, ctx) => { seen = ctx; return { got: payload } }))
  const out = await handleEvent(bytes({ correlation_id: correlationId, event_id: eventId, event_type: 'test.do', payload: { a: 1 } }), 'req', r, source)
  t.equal(out.kind, 'reply')
  if (out.kind !== 'reply') return
  t.equal(out.key, correlationId)
  t.equal(out.topic, 'resp')
  t.equal(out.errorResponse, false)
  t.equal(out.eventType, 'test.do')
  t.same(seen, { eventType: 'test.do', topic: 'req', correlationId, options: { depth: 2 } })
  const env = JSON.parse(out.value)
  t.same(Object.keys(env).sort(), [...RESPONSE_FIELDS].sort())
  t.equal(env.causation_id, eventId)
  t.equal(env.payload_type, 'TestResponse')
  t.same(env.payload, { got: { a: 1 } })
  t.equal(env.priority, 'NORMAL')
  t.equal(env.source_instance, 'test-host')
})

t.test('no event_type: the topic decides, the handler\'s first type names it, causation_id null without event_id', async t => {
  const r = router(handler(() => ({ ok: true })))
  const out = await handleEvent(bytes({ correlation_id: randomUUID(), payload: {} }), 'req', r, source)
  t.equal(out.kind, 'reply')
  if (out.kind !== 'reply') return
  t.equal(out.eventType, 'test.do')
  t.equal(JSON.parse(out.value).causation_id, null)
  const unnamed = router(handler(() => ({ ok: true }), []))
  const out2 = await handleEvent(bytes({ correlation_id: randomUUID(), payload: {} }), 'req', unnamed, source)
  t.equal(out2.kind === 'reply' && out2.eventType, 'tester', 'falls back to the handler name')
})

t.test('bad bytes and bad envelopes fail with their codes', async t => {
  const r = router(handler(() => ({})))
  const cases: Array<[Uint8Array, string, RegExp]> = [
    [Uint8Array.from([0xff, 0xfe]), 'IC_EVENT_NOT_UTF8', /UTF-8/],
    [bytes('{nope'), 'IC_EVENT_NOT_JSON', /not JSON/],
    [bytes(''), 'IC_EVENT_NOT_JSON', /not JSON/],
    [bytes({ correlation_id: 'x', payload: {} }), 'IC_EVENT_INVALID', /UUID/],
    [bytes([1, 2]), 'IC_EVENT_INVALID', /schema/]
  ]
  for (const [value, code, message] of cases) {
    const out = await handleEvent(value, 'req', r, source)
    t.equal(out.kind, 'failed')
    if (out.kind === 'failed') { t.equal(out.code, code); t.match(out.message, message) }
  }
})

t.test('no handler for the event type or the topic: IC_NO_HANDLER naming what was asked', async t => {
  const r = router(handler(() => ({})))
  const typed = await handleEvent(bytes({ correlation_id: randomUUID(), event_type: 'nobody', payload: {} }), 'req', r, source)
  t.match(typed, { kind: 'failed', code: 'IC_NO_HANDLER', eventType: 'nobody' })
  const untyped = await handleEvent(bytes({ correlation_id: randomUUID(), payload: {} }), 'elsewhere', r, source)
  t.match(untyped, { kind: 'failed', code: 'IC_NO_HANDLER' })
  t.match(untyped.kind === 'failed' && untyped.message, /inferred from the topic.*elsewhere/)
})

t.test('a handler that throws fails (retryable); an input error becomes the contract error response', async t => {
  const id = randomUUID()
  const thrower = router(handler(() => { throw new Error('boom') }))
  t.match(await handleEvent(bytes({ correlation_id: id, payload: {} }), 'req', thrower, source),
    { kind: 'failed', code: 'IC_HANDLER_FAILED', handler: 'tester', message: /tester failed: boom/ })
  const stringThrower = router(handler(() => { throw 'plain string' })) // eslint-disable-line no-throw-literal
  t.match(await handleEvent(bytes({ correlation_id: id, payload: {} }), 'req', stringThrower, source),
    { kind: 'failed', message: /plain string/ })
  const refuser = router(handler(() => { throw new HandlerInputError('code_content is required') }))
  const out = await handleEvent(bytes({ correlation_id: id, payload: {} }), 'req', refuser, source)
  t.equal(out.kind, 'reply')
  if (out.kind !== 'reply') return
  t.equal(out.errorResponse, true)
  const env = JSON.parse(out.value)
  t.equal(env.priority, 'HIGH')
  t.equal(env.payload.is_valid, false)
  t.equal(env.payload.details.error_code, 'TEST_ERROR')
  t.same(env.payload.violations, ['Handler error: code_content is required'])
})

t.test('a result that cannot be serialized fails instead of throwing', async t => {
  const r = router(handler(() => ({ big: 1n })))
  t.match(await handleEvent(bytes({ correlation_id: randomUUID(), payload: {} }), 'req', r, source),
    { kind: 'failed', code: 'IC_HANDLER_FAILED', message: /not serializable/ })
})

t.test('router: event types of the handler and the route, the topic name as an event type', async t => {
  const h = handler(() => ({}), ['own.type'])
  const r = router(h, route(['topic.a'], ['extra.type']))
  for (const type of ['own.type', 'extra.type', 'topic.a']) t.equal(r.resolve(type, 'anything')?.handler, h, type)
  t.equal(r.resolve(undefined, 'topic.a')?.handler, h)
  t.equal(r.resolve('unknown', 'topic.a'), undefined, 'an explicit event type is never overridden by the topic')
  t.equal(r.resolve(undefined, 'topic.b'), undefined)
})

t.test('loadHandler: built-ins, object and function exports, clear errors', async t => {
  const spec = (handler: RouteSpec['handler']): RouteSpec => ({ ...route(), handler })
  t.equal((await loadHandler(spec({ builtin: 'validate' }))).name, 'validate')
  t.equal((await loadHandler(spec({ builtin: 'bench_cpu' }))).name, 'bench_cpu')
  await t.rejects(loadHandler(spec({ builtin: 'nope' })), /unknown built-in handler nope/)
  const timed = await loadHandler(spec({ module: fixture('timed-handler.mjs'), export: 'timed' }))
  t.match(timed, { name: 'timed', eventTypes: ['test.timed'], payloadType: 'TimedResponse', errorCode: 'TIMED_ERROR' })
  const echo = await loadHandler(spec({ module: fixture('function-handler.mjs'), export: 'echo' }))
  t.match(echo, { name: 'echo', eventTypes: [], payloadType: 'echoResponse', errorCode: 'HANDLER_ERROR' })
  t.same(await echo.handle({ a: 1 }, { eventType: 'x', topic: 'y', correlationId: 'z', options: {} }), { echoed: { a: 1 } })
  await t.rejects(loadHandler(spec({ module: fixture('function-handler.mjs'), export: 'notAHandler' })), /no export notAHandler with a handle\(\) function/)
  await t.rejects(loadHandler(spec({ module: fixture('function-handler.mjs'), export: 'missing' })), /no export missing/)
  const r = await buildRouter([spec({ builtin: 'mixin' }), { ...spec({ module: fixture('function-handler.mjs'), export: 'echo' }), topics: ['echo.req'] }])
  t.equal(r.resolve(undefined, 'echo.req')?.handler.name, 'echo')
})
