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
   * (performance.timeOrigin + performance.now(), ms), negated once it ended, 0 when idle. Per event,
   * not per task: the events of a batched task start one after another, and each one's deadline and
   * wait/run split count from its own start. */
  readonly startTimes: SharedArrayBuffer
  /** Float64Array over it, one cell per gate slot: when the event holding the slot ended in a worker
   * (same clock), 0 until then. With several events per task the task's end says nothing about when
   * each of them ended. */
  readonly endTimes: SharedArrayBuffer
  /** Int32Array over it: [PEAK_RUNNING] the most events ever seen running in workers at once. */
  readonly counters: SharedArrayBuffer
}

export const COUNTER_PEAK_RUNNING = 0
export const COUNTERS_LENGTH = 4

/** One event of a task. */
export interface TaskEvent {
  /** The gate slot this event holds; indexes `startTimes` and `endTimes`. */
  readonly slot: number
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The message value. Backed by a SharedArrayBuffer (possibly shared with other events of the same
   * fetch, at an offset): neither cloned nor transferred, and still readable on the main thread (for
   * the dead-letter record) if the worker dies mid-task. */
  readonly value: Uint8Array
  readonly attempt: number
}

/** One event: what the pool's single-event `run()` takes. */
export type TaskInput = TaskEvent

/**
 * What a worker receives per Piscina task: events run one after another, in order; the worker answers
 * with one TaskOutput per event, same order. Several small events per task because each task costs the
 * main thread tens of microseconds (a message each way, Piscina's bookkeeping), far more than a no-op
 * handler; the gate still counts events, not tasks.
 */
export interface Task {
  readonly events: readonly TaskEvent[]
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
