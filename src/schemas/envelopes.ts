// Every envelope on the wire, in one place, as JSON Schema (checked with ajv) and as TypeScript types
// for users who produce requests or read responses and dead letters. Field names follow the wire
// contract of the Python service this one replaces (README.md#wire-contract).

import { Ajv } from 'ajv'
import type { ErrorObject, ValidateFunction } from 'ajv'
import type { DeadLetterType } from '../errors.js'

/** What Python's uuid.UUID() accepts: hex with or without hyphens, optional braces or urn:uuid:. */
export const UUID_PATTERN = '^(?:urn:uuid:)?\\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\\}?$'

export interface RequestEnvelope {
  correlation_id: string
  payload: Record<string, unknown>
  event_type?: string
  event_id?: string
  /** Producers also send timestamp, metadata, source, version, causation_id: accepted and ignored. */
  [extra: string]: unknown
}

export const requestEnvelopeSchema = {
  $id: 'RequestEnvelope',
  type: 'object',
  required: ['correlation_id', 'payload'],
  properties: {
    correlation_id: { type: 'string', pattern: UUID_PATTERN },
    payload: { type: 'object' },
    event_type: { type: 'string', minLength: 1, maxLength: 256 },
    event_id: { type: ['string', 'null'] }
  },
  additionalProperties: true
} as const

export interface ResponseEnvelope<P = Record<string, unknown>> {
  event_id: string
  event_type: 'CUSTOM'
  topic: string
  timestamp: string
  correlation_id: string
  causation_id: string | null
  trace_id: string | null
  span_id: string | null
  source_service: string
  source_instance: string | null
  source_version: string | null
  payload_type: string
  payload: P
  headers: Record<string, string> | null
  priority: 'NORMAL' | 'HIGH'
  ttl_seconds: number | null
  retry_count: number
  max_retries: number
  schema_version: string
  signature: string | null
  encrypted: boolean
}

/** The response envelope's fields, in the contract's order (golden tests compare against it). */
export const RESPONSE_FIELDS = [
  'event_id', 'event_type', 'topic', 'timestamp', 'correlation_id', 'causation_id', 'trace_id', 'span_id',
  'source_service', 'source_instance', 'source_version', 'payload_type', 'payload', 'headers', 'priority',
  'ttl_seconds', 'retry_count', 'max_retries', 'schema_version', 'signature', 'encrypted'
] as const satisfies ReadonlyArray<keyof ResponseEnvelope>

export interface ErrorResponsePayload {
  quality_score: 0
  onex_compliance_score: 0
  violations: string[]
  warnings: string[]
  suggestions: string[]
  is_valid: false
  architectural_era: 'unknown'
  details: { error: string, error_code: string, timestamp: string }
}

export interface DeadLetterRecord {
  original_topic: string
  original_partition: number
  original_offset: string
  original_timestamp: string
  /** The original bytes as UTF-8, or `<binary data, size=N bytes>`. */
  original_value: string
  error: string
  error_type: DeadLetterType
  error_timestamp: string
  consumer_group: string
  /** Ours: the catalogue code, attempts made, handler and event type when known. */
  error_code: string
  attempts: number
  handler: string | null
  event_type: string | null
}

export const DEAD_LETTER_FIELDS = [
  'original_topic', 'original_partition', 'original_offset', 'original_timestamp', 'original_value',
  'error', 'error_type', 'error_timestamp', 'consumer_group', 'error_code', 'attempts', 'handler', 'event_type'
] as const satisfies ReadonlyArray<keyof DeadLetterRecord>

let compiled: ValidateFunction<RequestEnvelope> | undefined

/** Checks a parsed request; returns undefined when valid, else one line naming what is wrong. */
export function checkRequestEnvelope (value: unknown): string | undefined {
  compiled ??= new Ajv({ allErrors: false, strict: true }).compile<RequestEnvelope>(requestEnvelopeSchema)
  if (compiled(value)) return undefined
  return describeErrors(compiled.errors ?? [])
}

function describeErrors (errors: ErrorObject[]): string {
  return errors.map(e => {
    const where = e.instancePath === '' ? 'request' : e.instancePath.slice(1).replace(/\//g, '.')
    if (e.keyword === 'pattern' && where === 'correlation_id') return 'correlation_id is not a UUID'
    return `${where} ${e.message ?? 'is invalid'}`
  }).join('; ')
}
