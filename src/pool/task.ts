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
  /** Float64Array over it, one cell per gate slot: when the event holding the slot started in a worker
   * (performance.timeOrigin + performance.now(), ms), negated once it ended, 0 when idle. */
  readonly startTimes: SharedArrayBuffer
  /** Float64Array over it, one cell per gate slot: how long the slot's event ran, ms, written by the
   * worker when it ends (the main thread may read the answer much later). */
  readonly runTimes: SharedArrayBuffer
  /** Int32Array over it: [PEAK_RUNNING] the most events ever seen running in workers at once. */
  readonly counters: SharedArrayBuffer
}

export const COUNTER_PEAK_RUNNING = 0
export const COUNTERS_LENGTH = 4

/** One event handed to the pool (WorkerPool.run). */
export interface TaskInput {
  /** The gate slot this event holds; indexes `startTimes`. */
  readonly slot: number
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The message value. On a SharedArrayBuffer it reaches a worker that runs it alone without a
   * copy; otherwise (and whenever it shares a task) it is copied into the task's shared buffer. The
   * main thread keeps it either way, for the dead-letter record if the worker dies mid-task. */
  readonly value: Uint8Array
  readonly attempt: number
}

/** What a worker receives per Piscina task: events run one after the other, in order. */
export interface TaskBatch {
  readonly events: ReadonlyArray<Omit<TaskInput, 'value'>>
  /** Every event's value back to back, on shared memory: event i is `values[ends[i-1] ?? 0, ends[i])`. */
  readonly values: Uint8Array
  readonly ends: readonly number[]
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
