// The dead-letter record of the wire contract, with the error type set from what happened (the old
// service guessed it by sniffing the error text). Pure: the caller publishes it.

import { isUtf8 } from 'node:buffer'
import { ERRORS, type DeadLetterType, type ErrorCode, type ErrorSpec } from '../errors.js'
import type { DeadLetterRecord } from '../schemas/envelopes.js'
import type { OutgoingRecord } from '../consumer/kafka-client.js'

export interface DeadLetterInput {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly timestamp: string
  readonly key: Buffer | null
  /** The original bytes; undefined when they were not kept (oversized values are never copied). */
  readonly value: Uint8Array | undefined
  /** Size of the original value, for the placeholder when the bytes are binary or not kept. */
  readonly size: number
  readonly code: ErrorCode
  readonly message: string
  readonly attempts: number
  readonly handler?: string | undefined
  readonly eventType?: string | undefined
}

export function deadLetterType (code: ErrorCode): DeadLetterType {
  const spec: ErrorSpec = ERRORS[code]
  // Codes that are not event failures should never reach a dead letter; call them handler errors
  // rather than lose the event.
  return spec.deadLetter ?? 'handler_error'
}

export function originalValue (value: Uint8Array | undefined, size: number): string {
  if (value === undefined) return `<payload not kept, size=${size} bytes>`
  if (!isUtf8(value)) return `<binary data, size=${size} bytes>`
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')
}

export function deadLetterRecord (input: DeadLetterInput, opts: { suffix: string, groupId: string, now?: Date }): OutgoingRecord {
  const record: DeadLetterRecord = {
    original_topic: input.topic,
    original_partition: input.partition,
    original_offset: input.offset,
    original_timestamp: input.timestamp,
    original_value: originalValue(input.value, input.size),
    error: input.message,
    error_type: deadLetterType(input.code),
    error_timestamp: (opts.now ?? new Date()).toISOString(),
    consumer_group: opts.groupId,
    error_code: input.code,
    attempts: input.attempts,
    handler: input.handler ?? null,
    event_type: input.eventType ?? null
  }
  return { topic: input.topic + opts.suffix, key: input.key, value: JSON.stringify(record) }
}
