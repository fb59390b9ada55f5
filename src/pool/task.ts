// The contract between the main thread and the worker entry (workers/worker.ts). Types only, plus the
// layout of the shared control buffers, so both sides agree without importing each other's runtime.

import type { ErrorCode } from '../errors.js'

/** Where a request is routed and answered; built from the configuration on the main thread. */
export interface RouteSpec {
  /** A built-in handler by name (`validate`, `analyze`, `pattern`, `mixin`, `bench_cpu`), or a module. */
  readonly handler: { readonly builtin: string } | { readonly module: string, readonly export: string }
  /** Request topics routed here when the envelope has no `event_type`. */
  readonly topics: readonly string[]
  /** Extra `event_type` values routed here (a built-in also takes its own names). */
  readonly eventTypes: readonly string[]
  readonly responseTopic: string
  readonly options: Readonly<Record<string, unknown>>
}

/** `workerData` of every worker thread. */
export interface WorkerSetup {
  readonly routes: readonly RouteSpec[]
  readonly source: { readonly service: string, readonly instance: string, readonly version: string }
  /** Float64Array over it, one cell per gate slot: when the task holding the slot started in a worker
   * (performance.timeOrigin + performance.now(), ms), negated once it ended, 0 when idle. */
  readonly startTimes: SharedArrayBuffer
  /** Int32Array over it: [PEAK_RUNNING] the most tasks ever seen running in workers at once. */
  readonly counters: SharedArrayBuffer
}

export const COUNTER_PEAK_RUNNING = 0
export const COUNTERS_LENGTH = 4

export interface TaskInput {
  /** The gate slot this event holds; indexes `startTimes`. */
  readonly slot: number
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The message value. Backed by a SharedArrayBuffer: neither cloned nor transferred, and still
   * readable on the main thread (for the dead-letter record) if the worker dies mid-task. */
  readonly value: Uint8Array
  readonly attempt: number
}

export type TaskOutput =
  | {
    readonly kind: 'reply'
    readonly handler: string
    readonly eventType: string
    readonly topic: string
    readonly key: string
    readonly value: string
    /** True for the contract's error response (well-formed request that could not be served). */
    readonly errorResponse: boolean
  }
  | {
    readonly kind: 'failed'
    readonly code: ErrorCode
    readonly message: string
    readonly handler?: string
    readonly eventType?: string
  }
