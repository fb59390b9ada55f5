// Worker-thread entry, loaded by Piscina (src/pool/pool.ts). One task = one Kafka event: decode, check
// the envelope, route to a handler, run it, and return the serialized response, or a failure with a
// catalogue code. Everything a handler throws is caught here and returned, never thrown, so that a
// rejected task on the main thread always means the thread itself died. No logging here (PITFALLS):
// the main thread logs what the result says.

import { isUtf8 } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { workerData } from 'node:worker_threads'
import { createError, type ErrorCode } from '../src/errors.js'
import { checkRequestEnvelope, type RequestEnvelope } from '../src/schemas/envelopes.js'
import { COUNTER_PEAK_RUNNING, type RouteSpec, type TaskInput, type TaskOutput, type WorkerSetup } from '../src/pool/task.js'
import { errorPayload, responseEnvelope } from './envelope.js'
import { benchCpuHandler } from './handlers/bench-cpu.js'
import { builtinHandlers } from './handlers/index.js'
import { HandlerInputError, type HandlerDefinition, type HandlerFn } from './handlers/types.js'
import { Router } from './router.js'

const setup = workerData as WorkerSetup
const startTimes = new Float64Array(setup.startTimes)
const counters = new Int32Array(setup.counters)

const builtins = new Map<string, HandlerDefinition>(
  [...builtinHandlers, benchCpuHandler].map(h => [h.name, h])
)

async function loadHandler (spec: RouteSpec): Promise<HandlerDefinition> {
  if ('builtin' in spec.handler) {
    const h = builtins.get(spec.handler.builtin)
    if (h === undefined) throw new Error(`unknown built-in handler ${spec.handler.builtin}`)
    return h
  }
  const { module, export: name } = spec.handler
  const mod = await import(module.startsWith('/') ? pathToFileURL(module).href : module) as Record<string, unknown>
  const exported = mod[name]
  if (typeof exported === 'function') {
    return { name, eventTypes: [], payloadType: `${name}Response`, errorCode: 'HANDLER_ERROR', handle: exported as HandlerFn }
  }
  const def = exported as Partial<HandlerDefinition> | undefined
  if (def === undefined || typeof def.handle !== 'function') {
    throw new Error(`handler module ${module} has no export ${name} with a handle() function`)
  }
  return {
    name: def.name ?? name,
    eventTypes: def.eventTypes ?? [],
    payloadType: def.payloadType ?? `${name}Response`,
    errorCode: def.errorCode ?? 'HANDLER_ERROR',
    handle: def.handle.bind(def)
  }
}

// Top-level await: a worker that cannot load its handlers fails at start, loudly, not per event.
const router = new Router(await Promise.all(setup.routes.map(async spec => ({ spec, handler: await loadHandler(spec) }))))

/** Marks the task's slot as running and records the most tasks ever seen running at once. */
function markStart (slot: number): void {
  startTimes[slot] = performance.timeOrigin + performance.now()
  let running = 0
  for (const t of startTimes) if (t > 0) running++
  let peak = Atomics.load(counters, COUNTER_PEAK_RUNNING)
  while (running > peak) {
    const seen = Atomics.compareExchange(counters, COUNTER_PEAK_RUNNING, peak, running)
    if (seen === peak) break
    peak = seen
  }
}

function markEnd (slot: number): void {
  // Negated, not cleared: the main thread still reads the start time to split wait from run time.
  startTimes[slot] = -(startTimes[slot] as number)
}

function failed (code: ErrorCode, args: Array<string | number>, extra: { handler?: string, eventType?: string } = {}): TaskOutput {
  return { kind: 'failed', code, message: createError(code, ...args).message, ...extra }
}

/** Start-up probe: resolves only once this module (and every handler it routes to) has loaded. */
export function ping (): string { return 'pong' }

export default async function handleEvent (task: TaskInput): Promise<TaskOutput> {
  markStart(task.slot)
  try {
    return await handle(task)
  } finally {
    markEnd(task.slot)
  }
}

async function handle (task: TaskInput): Promise<TaskOutput> {
  const bytes = task.value
  if (!isUtf8(bytes)) return failed('IC_EVENT_NOT_UTF8', [])
  let envelope: unknown
  try {
    envelope = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch (err) {
    return failed('IC_EVENT_NOT_JSON', [(err as Error).message])
  }
  const invalid = checkRequestEnvelope(envelope)
  if (invalid !== undefined) return failed('IC_EVENT_INVALID', [invalid])
  const request = envelope as RequestEnvelope
  const route = router.resolve(request.event_type, task.topic)
  if (route === undefined) {
    return failed('IC_NO_HANDLER', [request.event_type ?? '(none: inferred from the topic)', task.topic],
      request.event_type !== undefined ? { eventType: request.event_type } : {})
  }
  const { handler } = route
  const eventType = request.event_type ?? handler.eventTypes[0] ?? handler.name
  const causationId = typeof request.event_id === 'string' ? request.event_id : null
  let payload: Record<string, unknown>
  let errorResponse = false
  try {
    payload = await handler.handle(request.payload, {
      eventType, topic: task.topic, correlationId: request.correlation_id, options: route.options
    })
  } catch (err) {
    if (!(err instanceof HandlerInputError)) {
      const message = err instanceof Error ? err.message : String(err)
      return failed('IC_HANDLER_FAILED', [handler.name, message], { handler: handler.name, eventType })
    }
    payload = errorPayload(err.message, handler.errorCode) as unknown as Record<string, unknown>
    errorResponse = true
  }
  let value: string
  try {
    value = JSON.stringify(responseEnvelope({
      topic: route.responseTopic,
      correlationId: request.correlation_id,
      causationId,
      payloadType: handler.payloadType,
      payload,
      source: setup.source,
      priority: errorResponse ? 'HIGH' : 'NORMAL'
    }))
  } catch (err) {
    return failed('IC_HANDLER_FAILED', [handler.name, `result is not serializable: ${(err as Error).message}`],
      { handler: handler.name, eventType })
  }
  return {
    kind: 'reply', handler: handler.name, eventType, topic: route.responseTopic,
    key: request.correlation_id, value, errorResponse
  }
}
