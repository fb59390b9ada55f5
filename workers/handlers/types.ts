// The contract between the worker entry and a handler. A handler is pure CPU code: it gets the request's
// `payload` (already JSON-parsed and checked against the envelope schema) and returns the response's
// `payload`. It never sees Kafka, HTTP, metrics or loggers; the worker entry builds the envelope.

export interface HandlerContext {
  /** The canonical event type the request was routed by, e.g. `codegen.request.validate`. */
  readonly eventType: string
  readonly topic: string
  readonly correlationId: string
  /** Settings given to this handler in the configuration (`handlers[].options`), frozen. */
  readonly options: Readonly<Record<string, unknown>>
}

export type JsonObject = { [key: string]: unknown }

export type HandlerFn = (payload: JsonObject, ctx: HandlerContext) => JsonObject | Promise<JsonObject>

export interface HandlerDefinition {
  /** Short name used in metrics and logs: `validate`, `analyze`, ... */
  readonly name: string
  /** Event types this handler takes (`event_type` values and the topic-derived form). */
  readonly eventTypes: readonly string[]
  /** `payload_type` of the response envelope, e.g. `CodegenValidateResponse`. */
  readonly payloadType: string
  /** `details.error_code` of the contract's error response, e.g. `VALIDATION_ERROR`. */
  readonly errorCode: string
  readonly handle: HandlerFn
}

/**
 * Thrown by a handler when the request is well-formed but cannot be served (e.g. `code_content`
 * missing). The worker answers with the contract's error response on the response topic, as the old
 * service did; it is not retried and not dead-lettered. Any other exception is a handler failure
 * (retried with backoff, then dead-lettered as `handler_error`).
 */
export class HandlerInputError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'HandlerInputError'
  }
}
