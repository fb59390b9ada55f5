// The only file that imports piscina. A fixed pool of worker threads (no churn), with the gate as the
// one backpressure: Piscina's queue is sized so that it can never reject what the gate lets through.
//
// Timing: each task's worker writes its start time into a shared cell indexed by the task's gate slot.
// That gives the main thread, without any message, (1) how long the task waited in Piscina's queue
// and how long it ran, and (2) a deadline measured from when the task really started, not from when
// it was queued: the watchdog aborts a task only after it has *run* past the deadline. Aborting a
// CPU-bound task terminates its thread (it cannot observe the abort, piscina #156) and Piscina starts
// a new one.
//
// Each worker holds up to two tasks: the one it runs and the next one, already posted. A worker that
// finishes a task starts the next without waiting for the main thread, which may be busy decoding a
// fetch response or encoding responses; without this, every task ends with the worker idle until the
// main thread gets round to handing it another. When a worker dies (deadline, memory limit, exit), the
// other task it held dies with it: unstarted behind the culprit, or finished just before it with its
// answer still unread (piscina #934: aborting a task terminates whatever shares its thread). Its
// start-time cell tells it from the culprit, and it is simply run again.

import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Piscina } from 'piscina'
import { createError, type ErrorCode, IntelligenceError } from '../errors.js'
import {
  COUNTER_PEAK_RUNNING, COUNTERS_LENGTH,
  type RouteSpec, type TaskInput, type TaskOutput, type WorkerSetup
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
  /** Time in Piscina's queue before a worker picked the task up, ms (NaN if it never started). */
  readonly waitMs: number
  /** Time the task ran in the worker, ms (NaN if it never started). */
  readonly runMs: number
}

/** Node 20 cannot load a .ts worker (PITFALLS): from source (tests), use the compiled entry in dist/. */
export function defaultWorkerFile (): string {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) return resolve(dirname(here), '../../dist/workers/worker.js')
  return resolve(dirname(here), '../../workers/worker.js')
}

const now = (): number => performance.timeOrigin + performance.now()

/** The task a worker runs plus the next one, queued at the worker (see the top of this file). */
const TASKS_PER_WORKER = 2
type Balancer = NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer'] & {}
type BalancerWorker = Parameters<Balancer>[1][number]

/**
 * Piscina's own balancer never gives a second task to a worker running an abortable one, and every
 * task here is abortable (deadlines): it would leave no task queued at any worker. This one hands a
 * task to an idle worker first, else to the least busy one below TASKS_PER_WORKER; the innocent task
 * behind an aborted one is run again by run().
 */
const prefetchingBalancer: Balancer = (_task, workers) => {
  let candidate: BalancerWorker | null = null
  let least = TASKS_PER_WORKER
  for (const w of workers) {
    // Piscina reports a worker running one abortable task as busy without limit; it runs one task.
    const usage = w.isRunningAbortableTask ? 1 : w.currentUsage
    if (usage === 0) return w
    if (usage < least) {
      candidate = w
      least = usage
    }
  }
  return candidate
}

/** Runs of a task that keeps dying innocent (see run()) before it is reported as a crash. */
const MAX_INNOCENT_RERUNS = 3

export class WorkerPool {
  readonly threads: number
  readonly #pool: Piscina<TaskInput, TaskOutput>
  readonly #startTimes: Float64Array
  readonly #counters: Int32Array
  readonly #timeoutMs: number
  readonly #running = new Map<number, AbortController>()
  readonly #watchdog: NodeJS.Timeout
  #replaced = 0
  #rerun = 0

  constructor (options: PoolOptions) {
    this.threads = options.threads
    this.#timeoutMs = options.taskTimeoutMs
    const startTimes = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * options.slots)
    const counters = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * COUNTERS_LENGTH)
    this.#startTimes = new Float64Array(startTimes)
    this.#counters = new Int32Array(counters)
    const workerData: WorkerSetup = { routes: options.routes, source: options.source, startTimes, counters }
    this.#pool = new Piscina<TaskInput, TaskOutput>({
      filename: options.filename ?? defaultWorkerFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      // A fixed pool: idle workers stay (idleTimeout 0 would kill them at once).
      idleTimeout: 2 ** 31 - 1,
      // The gate admits at most `slots` tasks; the margin covers aborted tasks, which Piscina accounts
      // for outside its queue (#1029).
      maxQueue: options.slots + options.threads,
      concurrentTasksPerWorker: TASKS_PER_WORKER,
      loadBalancer: prefetchingBalancer,
      resourceLimits: options.resourceLimits,
      workerData
    })
    this.#pool.on('error', (err: Error) => options.onError?.(err))
    // Check deadlines a few times per deadline, at most every 250 ms and at least every 10 ms.
    const every = Math.min(250, Math.max(10, Math.floor(this.#timeoutMs / 4)))
    this.#watchdog = setInterval(() => this.#enforceDeadlines(), every)
    this.#watchdog.unref()
  }

  /**
   * Runs one task. Never rejects: a task that does not return is reported as a `failed` output with
   * the code of what happened (deadline, memory limit, worker death, or the caller's abort reason).
   */
  async run (task: TaskInput, signal?: AbortSignal): Promise<{ output: TaskOutput, timing: TaskTiming }> {
    const controller = new AbortController()
    const onAbort = (): void => controller.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    this.#startTimes[task.slot] = 0
    this.#running.set(task.slot, controller)
    const queuedAt = now()
    let output: TaskOutput | undefined
    try {
      for (let reruns = 0; output === undefined; reruns++) {
        try {
          output = await this.#pool.run(task, { signal: controller.signal })
        } catch (err) {
          // The worker entry catches everything a handler throws, so a rejection means its thread died.
          // Only a task that was running then (start cell > 0) is the culprit. Cell 0: it never started;
          // cell < 0: it finished, but Piscina fails every task of a dead thread whose answer the main
          // thread had not read yet. Both are innocent and run again (handlers are pure: same answer).
          const innocent = (this.#startTimes[task.slot] as number) <= 0 && !controller.signal.aborted
          if (innocent && reruns < MAX_INNOCENT_RERUNS) {
            this.#startTimes[task.slot] = 0
            this.#rerun++
            continue
          }
          output = this.#classify(err, controller.signal)
          this.#replaced++
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.#running.delete(task.slot)
    }
    const started = Math.abs(this.#startTimes[task.slot] as number)
    const ended = now()
    this.#startTimes[task.slot] = 0
    const timing = started > 0
      ? { waitMs: Math.max(0, started - queuedAt), runMs: Math.max(0, ended - started) }
      : { waitMs: Number.NaN, runMs: Number.NaN }
    return { output, timing }
  }

  #enforceDeadlines (): void {
    const t = now()
    for (const [slot, controller] of this.#running) {
      const started = this.#startTimes[slot] as number
      if (started > 0 && t - started > this.#timeoutMs && !controller.signal.aborted) {
        controller.abort(createError('IC_HANDLER_TIMEOUT', this.#timeoutMs))
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

  stats (): { threads: number, queueSize: number, utilization: number, running: number, peakRunning: number, workersReplaced: number, tasksRerun: number } {
    let running = 0
    for (const v of this.#startTimes) if (v > 0) running++
    return {
      threads: this.#pool.threads.length,
      queueSize: this.#pool.queueSize,
      utilization: this.#pool.utilization,
      running,
      peakRunning: Atomics.load(this.#counters, COUNTER_PEAK_RUNNING),
      workersReplaced: this.#replaced,
      tasksRerun: this.#rerun
    }
  }

  /**
   * Resolves once workers answer a probe, i.e. the worker module and every handler it routes to loaded.
   * A worker that fails while starting is not replaced by Piscina (PITFALLS): without this probe such a
   * pool would take tasks and never run them.
   */
  async ready (): Promise<void> {
    try {
      await Promise.all(Array.from({ length: this.threads }, async () => this.#pool.run(undefined as unknown as TaskInput, { name: 'ping' })))
    } catch (err) {
      throw new Error(`worker threads failed to start: ${(err as Error).message}`, { cause: err })
    }
  }

  async close (): Promise<void> {
    clearInterval(this.#watchdog)
    await this.#pool.destroy()
  }
}
