// Builds the response envelope of the wire contract around a handler's payload.

import { randomUUID } from 'node:crypto'
import type { ErrorResponsePayload, ResponseEnvelope } from '../src/schemas/envelopes.js'

export interface Source { readonly service: string, readonly instance: string, readonly version: string }

export function responseEnvelope (args: {
  topic: string
  correlationId: string
  causationId: string | null
  payloadType: string
  payload: Record<string, unknown>
  source: Source
  priority?: 'NORMAL' | 'HIGH'
  now?: Date
}): ResponseEnvelope {
  return {
    event_id: randomUUID(),
    event_type: 'CUSTOM',
    topic: args.topic,
    timestamp: (args.now ?? new Date()).toISOString(),
    correlation_id: args.correlationId,
    causation_id: args.causationId,
    trace_id: null,
    span_id: null,
    source_service: args.source.service,
    source_instance: args.source.instance || null,
    source_version: args.source.version || null,
    payload_type: args.payloadType,
    payload: args.payload,
    headers: null,
    priority: args.priority ?? 'NORMAL',
    ttl_seconds: null,
    retry_count: 0,
    max_retries: 3,
    schema_version: '1.0.0',
    signature: null,
    encrypted: false
  }
}

/** The contract's error response payload, the same for every handler type. */
export function errorPayload (message: string, errorCode: string, now = new Date()): ErrorResponsePayload {
  return {
    quality_score: 0,
    onex_compliance_score: 0,
    violations: [`Handler error: ${message}`],
    warnings: [],
    suggestions: [],
    is_valid: false,
    architectural_era: 'unknown',
    details: { error: message, error_code: errorCode, timestamp: now.toISOString() }
  }
}
