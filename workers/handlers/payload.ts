// Reading request payloads: the envelope schema has checked the envelope, not the handler's fields, so
// every field is checked here and a missing or mistyped required one is a HandlerInputError (the
// contract's error response), never a crash.
import { HandlerInputError, type HandlerContext, type JsonObject } from './types.js'

export function requireString (payload: JsonObject, key: string): string {
  const value = payload[key]
  if (typeof value !== 'string') throw new HandlerInputError(value === undefined || value === null ? `Missing required field: ${key}` : `Field ${key} must be a string`)
  if (value.length === 0) throw new HandlerInputError(`Missing required field: ${key}`)
  return value
}

export function optionalString (payload: JsonObject, key: string): string | undefined {
  const value = payload[key]
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

/** A finite number from the payload, else the fallback; strings holding numbers are accepted as the old service's pydantic did. */
export function optionalNumber (payload: JsonObject, key: string, fallback: number): number {
  const value = payload[key]
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
  return Number.isFinite(n) ? n : fallback
}

export const NODE_TYPES = ['effect', 'compute', 'reducer', 'orchestrator'] as const
export type NodeType = typeof NODE_TYPES[number]

export function nodeTypeOf (value: unknown): NodeType | undefined {
  if (typeof value !== 'string') return undefined
  const v = value.trim().toLowerCase()
  return (NODE_TYPES as readonly string[]).includes(v) ? v as NodeType : undefined
}

export function positiveIntOption (ctx: HandlerContext, key: string, fallback: number): number {
  const value = ctx.options[key]
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback
}

/** Refuses code too large to analyse within a task deadline (a HandlerInputError, so the producer hears why). */
export function requireCode (payload: JsonObject, ctx: HandlerContext, defaultMaxChars: number): string {
  const code = requireString(payload, 'code_content')
  const max = positiveIntOption(ctx, 'maxCodeChars', defaultMaxChars)
  if (code.length > max) throw new HandlerInputError(`code_content is ${code.length} characters, over the limit of ${max}`)
  return code
}
