// One event, decided: decode, check the envelope, route, run the handler, serialize the response, or
// return a failure with a catalogue code. Everything a handler throws is caught and returned, never
// thrown, so that a rejected task on the main thread always means the worker thread itself died.
// Independent of worker_threads, so it is unit-tested on the main thread.

import { isUtf8 } from 'node:buffer'
import { createError, type ErrorCode } from '../src/errors.js'
import { checkRequestEnvelope, type RequestEnvelope } from '../src/schemas/envelopes.js'
import type { TaskOutput } from '../src/pool/task.js'
import { errorPayload, responseEnvelope, type Source } from './envelope.js'
import { HandlerInputError } from './handlers/types.js'
import type { Router } from './router.js'

function failed (code: ErrorCode, args: Array<string | number>, extra: { handler?: string, eventType?: string } = {}): TaskOutput {
  return { kind: 'failed', code, message: createError(code, ...args).message, ...extra }
}

export async function handleEvent (bytes: Uint8Array, topic: string, router: Router, source: Source): Promise<TaskOutput> {
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
  const route = router.resolve(request.event_type, topic)
  if (route === undefined) {
    return failed('IC_NO_HANDLER', [request.event_type ?? '(none: inferred from the topic)', topic],
      request.event_type !== undefined ? { eventType: request.event_type } : {})
  }
  const { handler } = route
  const eventType = request.event_type ?? handler.eventTypes[0] ?? handler.name
  const causationId = typeof request.event_id === 'string' ? request.event_id : null
  let payload: Record<string, unknown>
  let errorResponse = false
  try {
    payload = await handler.handle(request.payload, {
      eventType, topic, correlationId: request.correlation_id, options: route.options
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
      source,
      priority: errorResponse ? 'HIGH' : 'NORMAL'
    }))
  } catch (err) {
    return failed('IC_HANDLER_FAILED', [handler.name, `result is not serializable: ${(err as Error).message}`],
      { handler: handler.name, eventType })
  }
  return { kind: 'reply', handler: handler.name, eventType, topic: route.responseTopic, key: request.correlation_id, value, errorResponse }
}
