// The only file that imports piscina. A fixed pool of worker threads (no churn), with the gate as the
// one backpressure: Piscina's queue is sized so that it can never reject what the gate lets through.
//
// A task carries one or more events (./task.ts): several small events per task amortise the main
// thread's per-task cost; the worker runs them one after another.
//
// Timing: the worker writes each event's start and end time into shared cells indexed by the event's
// gate slot. That gives the main thread, without any message, (1) how long each event waited (in
// Piscina's queue, and behind the events before it in its task) and how long it ran, and (2) a deadline
// per event, measured from when that event really started, not from when its task was queued: the
// watchdog aborts a task only once its running event has *run* past the deadline. Aborting a CPU-bound
// task terminates its thread (it cannot observe the abort, piscina #156) and Piscina starts a new one.
//
// Fault isolation: when a task of several events loses its thread (deadline, memory limit, exit), the
// other events must not be blamed for it. The event the watchdog caught past its deadline fails with
// the timeout (that run was its own); every other event of the task, finished or not (outputs already
// produced die with the thread), runs again alone, so that a crash falls on the event that causes it,
// with its real error. Those reruns are invisible to the caller: still one attempt per event.

import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Piscina } from 'piscina'
import { createError, type ErrorCode, IntelligenceError } from '../errors.js'
import {
  COUNTER_PEAK_RUNNING, COUNTERS_LENGTH,
  type RouteSpec, type Task, type TaskEvent, type TaskInput, type TaskOutput, type WorkerSetup
} from './task.js'

export interface PoolOptions {
  readonly threads: number
  /** Number of gate slots (max_in_flight): the size of the shared start-time table. */
  readonly slots: number
  readonly routes: readonly RouteSpec[]
  readonly source: WorkerSetup['source']
  readonly resourceLimits: { maxOldGenerationSizeMb: number, maxYoungGenerationSizeMb?: number, stackSizeMb: number }
  readonly taskTimeoutMs: number
  /** Worker entry; defaults to the compiled workers/worker.js. */
  readonly filename?: string
  readonly onError?: (err: Error) => void
}

export interface TaskTiming {
  /** Time from submission until a worker started the event (Piscina's queue, then the events before
   * it in its task), ms (NaN if it never started). */
  readonly waitMs: number
  /** Time the event ran in the worker, ms (NaN if it never started). */
  readonly runMs: number
}

/** What became of one event. */
export interface EventResult {
  readonly output: TaskOutput
  readonly timing: TaskTiming
}

/** A task in a worker or in Piscina's queue. */
interface RunningTask {
  readonly events: readonly TaskEvent[]
  readonly controller: AbortController
  /** The slot of the event the watchdog aborted the task for. */
  overdue: number | undefined
}

/** Node 20 cannot load a .ts worker (PITFALLS): from source (tests), use the compiled entry in dist/. */
export function defaultWorkerFile (): string {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) return resolve(dirname(here), '../../dist/workers/worker.js')
  return resolve(dirname(here), '../../workers/worker.js')
}

const now = (): number => performance.timeOrigin + performance.now()

function isEventList (input: TaskInput | readonly TaskEvent[]): input is readonly TaskEvent[] {
  return Array.isArray(input)
}

export class WorkerPool {
  readonly threads: number
  readonly #pool: Piscina<Task, TaskOutput[]>
  readonly #startTimes: Float64Array
  readonly #endTimes: Float64Array
  readonly #counters: Int32Array
  readonly #timeoutMs: number
  readonly #running = new Set<RunningTask>()
  readonly #watchdog: NodeJS.Timeout
  #replaced = 0
  #tasks = 0

  constructor (options: PoolOptions) {
    this.threads = options.threads
    this.#timeoutMs = options.taskTimeoutMs
    const startTimes = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * options.slots)
    const endTimes = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * options.slots)
    const counters = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * COUNTERS_LENGTH)
    this.#startTimes = new Float64Array(startTimes)
    this.#endTimes = new Float64Array(endTimes)
    this.#counters = new Int32Array(counters)
    const workerData: WorkerSetup = { routes: options.routes, source: options.source, startTimes, endTimes, counters }
    this.#pool = new Piscina<Task, TaskOutput[]>({
      filename: options.filename ?? defaultWorkerFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      // A fixed pool: idle workers stay (idleTimeout 0 would kill them at once).
      idleTimeout: 2 ** 31 - 1,
      // The gate admits at most `slots` events, hence at most `slots` tasks (a task has at least one
      // event, and a rerun alone replaces its batch); the margin covers aborted tasks, which Piscina
      // accounts for outside its queue (#1029).
      maxQueue: options.slots + options.threads,
      concurrentTasksPerWorker: 1,
      resourceLimits: options.resourceLimits,
      workerData
    })
    this.#pool.on('error', (err: Error) => options.onError?.(err))
    // Check deadlines a few times per deadline, at most every 250 ms and at least every 10 ms.
    const every = Math.min(250, Math.max(10, Math.floor(this.#timeoutMs / 4)))
    this.#watchdog = setInterval(() => this.#enforceDeadlines(), every)
    this.#watchdog.unref()
  }

  /** Threads with no task running or queued for them (tasks submitted and not settled, vs threads). */
  get idleThreads (): number { return Math.max(0, this.threads - this.#tasks) }

  /**
   * Runs one event as a task of its own, or several events as one task (run one after another in a
   * worker, results in the same order). Never rejects: an event that does not return is reported as a
   * `failed` output with the code of what happened (deadline, memory limit, worker death, or the
   * caller's abort reason), and an event of a batch is never blamed for another event's fault (see the
   * top of this file).
   */
  run (event: TaskInput, signal?: AbortSignal): Promise<EventResult>
  run (events: readonly TaskEvent[], signal?: AbortSignal): Promise<EventResult[]>
  async run (input: TaskInput | readonly TaskEvent[], signal?: AbortSignal): Promise<EventResult | EventResult[]> {
    if (isEventList(input)) return this.#runTask(input, signal)
    return (await this.#runTask([input], signal))[0] as EventResult
  }

  async #runTask (events: readonly TaskEvent[], signal: AbortSignal | undefined): Promise<EventResult[]> {
    if (events.length === 0) return []
    const controller = new AbortController()
    const onAbort = (): void => controller.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    for (const e of events) {
      this.#startTimes[e.slot] = 0
      this.#endTimes[e.slot] = 0
    }
    const task: RunningTask = { events, controller, overdue: undefined }
    this.#running.add(task)
    this.#tasks++
    const queuedAt = now()
    let outputs: TaskOutput[] | undefined
    let failure: TaskOutput & { kind: 'failed' } | undefined
    try {
      outputs = await this.#pool.run({ events }, { signal: controller.signal })
    } catch (err) {
      // The worker entry catches everything a handler throws, so a rejection means its thread died.
      failure = this.#classify(err, controller.signal)
      this.#replaced++
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.#running.delete(task)
      this.#tasks--
    }
    // Read (and clear) every event's cells before anything reruns in those slots.
    const timings = events.map(e => this.#timing(e.slot, queuedAt))
    if (outputs !== undefined) {
      return events.map((_, i) => ({ output: outputs[i] as TaskOutput, timing: timings[i] as TaskTiming }))
    }
    const failed = failure as TaskOutput & { kind: 'failed' }
    // Alone, or stopped by the caller: the failure is each event's own.
    if (events.length === 1 || signal?.aborted === true) return timings.map(timing => ({ output: failed, timing }))
    return Promise.all(events.map(async (e, i) => {
      // The watchdog's culprit ran past its own deadline, counted from its own start: rerunning it
      // alone would only burn another whole deadline to learn the same.
      if (e.slot === task.overdue) return { output: failed, timing: timings[i] as TaskTiming }
      return (await this.#runTask([e], signal))[0] as EventResult
    }))
  }

  #timing (slot: number, queuedAt: number): TaskTiming {
    const started = Math.abs(this.#startTimes[slot] as number)
    // No end mark: the event was running when its thread died; it ended with it.
    const ended = (this.#endTimes[slot] as number) || now()
    this.#startTimes[slot] = 0
    this.#endTimes[slot] = 0
    return started > 0
      ? { waitMs: Math.max(0, started - queuedAt), runMs: Math.max(0, ended - started) }
      : { waitMs: Number.NaN, runMs: Number.NaN }
  }

  #enforceDeadlines (): void {
    const t = now()
    for (const task of this.#running) {
      if (task.controller.signal.aborted) continue
      // Only the event running now can be past its deadline; the rest of its task has not started
      // (0) or has ended (negative).
      for (const e of task.events) {
        const started = this.#startTimes[e.slot] as number
        if (started > 0 && t - started > this.#timeoutMs) {
          task.overdue = e.slot
          task.controller.abort(createError('IC_HANDLER_TIMEOUT', this.#timeoutMs))
          break
        }
      }
    }
  }

  #classify (err: unknown, signal: AbortSignal): TaskOutput & { kind: 'failed' } {
    const e = err as NodeJS.ErrnoException
    if (signal.aborted) {
      const reason = signal.reason
      const code: ErrorCode = reason instanceof IntelligenceError ? reason.code : 'IC_WORKER_CRASH'
      return { kind: 'failed', code, message: reason instanceof Error ? reason.message : String(reason) }
    }
    if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return { kind: 'failed', code: 'IC_WORKER_RESOURCE_LIMIT', message: createError('IC_WORKER_RESOURCE_LIMIT', e.message).message }
    }
    return { kind: 'failed', code: 'IC_WORKER_CRASH', message: createError('IC_WORKER_CRASH', e?.message ?? String(err)).message }
  }

  stats (): { threads: number, queueSize: number, utilization: number, running: number, peakRunning: number, workersReplaced: number } {
    let running = 0
    for (const v of this.#startTimes) if (v > 0) running++
    return {
      threads: this.#pool.threads.length,
      queueSize: this.#pool.queueSize,
      utilization: this.#pool.utilization,
      running,
      peakRunning: Atomics.load(this.#counters, COUNTER_PEAK_RUNNING),
      workersReplaced: this.#replaced
    }
  }

  /**
   * Resolves once workers answer a probe, i.e. the worker module and every handler it routes to loaded.
   * A worker that fails while starting is not replaced by Piscina (PITFALLS): without this probe such a
   * pool would take tasks and never run them.
   */
  async ready (): Promise<void> {
    try {
      await Promise.all(Array.from({ length: this.threads }, async () => this.#pool.run(undefined as unknown as Task, { name: 'ping' })))
    } catch (err) {
      throw new Error(`worker threads failed to start: ${(err as Error).message}`, { cause: err })
    }
  }

  async close (): Promise<void> {
    clearInterval(this.#watchdog)
    await this.#pool.destroy()
  }
}
