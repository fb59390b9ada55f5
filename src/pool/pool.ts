// The only file that imports piscina. A fixed pool of worker threads (no churn), with the gate as the
// one backpressure: the pool holds only events that hold a gate slot, so nothing here grows unbounded.
//
// Events and tasks: run() takes one event; a Piscina task carries one or several (src/pool/batch-plan.ts
// decides how many). A trip to a worker costs the main thread about 50 µs, so while events wait for
// room at the workers and handlers are quick, several go in one task; slow events go one per task.
//
// Timing: a worker writes each event's start time into a shared cell indexed by its gate slot, and
// negates it when the event ends. That gives the main thread, without any message, (1) how long each
// event waited and how long it ran, and (2) a deadline measured from when the event really started,
// not from when it was queued: the watchdog aborts a task only after one of its events has *run* past
// the deadline. Aborting a CPU-bound task terminates its thread (it cannot observe the abort, piscina
// #156) and Piscina starts a new one.
//
// Each worker holds up to two tasks: the one it runs and the next one, already posted. A worker that
// finishes a task starts the next without waiting for the main thread, which may be busy decoding a
// fetch response or encoding responses. When a worker dies (deadline, memory limit, exit), every
// event it held dies with it: those of its task that ran before or were to run after the culprit, and
// those of the other task it held (piscina #934: aborting a task terminates whatever shares its
// thread). Their start-time cells tell them from the culprit, the only event started and not ended,
// and they simply run again, alone.

import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Piscina } from 'piscina'
import { createError, type ErrorCode, IntelligenceError } from '../errors.js'
import { Deque } from '../util/deque.js'
import { batchCap, DEFAULT_BATCH_LIMITS, RunTimeAverage, type BatchLimits } from './batch-plan.js'
import {
  COUNTER_PEAK_RUNNING, COUNTERS_LENGTH,
  type RouteSpec, type TaskBatch, type TaskInput, type TaskOutput, type WorkerSetup
} from './task.js'

export interface PoolOptions {
  readonly threads: number
  /** Number of gate slots (max_in_flight): the size of the shared start-time table. */
  readonly slots: number
  readonly routes: readonly RouteSpec[]
  readonly source: WorkerSetup['source']
  readonly resourceLimits: { maxOldGenerationSizeMb: number, maxYoungGenerationSizeMb?: number, stackSizeMb: number }
  readonly taskTimeoutMs: number
  /** How events are grouped into tasks (src/pool/batch-plan.ts); maxEvents 1 = one event per task. */
  readonly batch?: Partial<BatchLimits>
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
 * task to an idle worker first, else to the least busy one below TASKS_PER_WORKER; the innocent events
 * behind an aborted one are run again by #settle().
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

/** Runs of an event that keeps dying innocent (see #settle) before it is reported as a crash. */
const MAX_INNOCENT_RERUNS = 3

type Result = { output: TaskOutput, timing: TaskTiming }

/** What the worker receives: a lone value already on shared memory goes as it is, else values are
 * copied back to back into one shared buffer (one allocation and one object to clone per task). */
function message (entries: readonly Entry[]): TaskBatch {
  const events = entries.map(({ task: { slot, topic, partition, offset, attempt } }) => ({ slot, topic, partition, offset, attempt }))
  const only = entries.length === 1 ? (entries[0] as Entry).task.value : undefined
  if (only !== undefined && only.buffer instanceof SharedArrayBuffer) return { events, values: only, ends: [only.byteLength] }
  const ends: number[] = []
  let total = 0
  for (const e of entries) ends.push(total += e.task.value.byteLength)
  const values = new Uint8Array(new SharedArrayBuffer(total))
  for (const [i, e] of entries.entries()) values.set(e.task.value, (ends[i] as number) - e.task.value.byteLength)
  return { events, values, ends }
}

/** The output of the event that was running when its thread died: its deadline, memory, or a crash. */
function classify (err: unknown, signal: AbortSignal | undefined): TaskOutput & { kind: 'failed' } {
  const e = err as NodeJS.ErrnoException
  if (signal?.aborted === true) {
    const reason: unknown = signal.reason
    const code: ErrorCode = reason instanceof IntelligenceError ? reason.code : 'IC_WORKER_CRASH'
    return { kind: 'failed', code, message: reason instanceof Error ? reason.message : String(reason) }
  }
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { kind: 'failed', code: 'IC_WORKER_RESOURCE_LIMIT', message: createError('IC_WORKER_RESOURCE_LIMIT', e.message).message }
  }
  return { kind: 'failed', code: 'IC_WORKER_CRASH', message: createError('IC_WORKER_CRASH', e?.message ?? String(err)).message }
}

/** An event handed to run(), until it is answered. */
interface Entry {
  readonly task: TaskInput
  readonly queuedAt: number
  /** Times it was lost with a thread another event killed and queued again. */
  reruns: number
  readonly resolve: (r: Result) => void
}

/** A Piscina task in flight: its events, in the order the worker runs them. */
interface Posted {
  readonly entries: readonly Entry[]
  readonly controller: AbortController
}

export class WorkerPool {
  readonly threads: number
  readonly #pool: Piscina<TaskBatch, TaskOutput[]>
  readonly #startTimes: Float64Array
  readonly #runTimes: Float64Array
  readonly #counters: Int32Array
  readonly #timeoutMs: number
  readonly #limits: BatchLimits
  /** Tasks the workers hold at most: each runs one and holds the next. */
  readonly #capacity: number
  /** Events not yet posted, in arrival order; innocents to run again go first, alone. */
  readonly #waiting = new Deque<Entry>()
  readonly #again = new Deque<Entry>()
  /** The posted task of each slot whose event is at a worker (the deadline watchdog reads it). */
  readonly #bySlot = new Map<number, Posted>()
  readonly #watchdog: NodeJS.Timeout
  #posted = 0
  #flushQueued = false
  #closed = false
  readonly #runTime = new RunTimeAverage()
  #replaced = 0
  #rerun = 0
  #tasks = 0
  #events = 0

  constructor (options: PoolOptions) {
    this.threads = options.threads
    this.#timeoutMs = options.taskTimeoutMs
    this.#limits = { ...DEFAULT_BATCH_LIMITS, ...options.batch }
    this.#capacity = options.threads * TASKS_PER_WORKER
    const startTimes = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * options.slots)
    const counters = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * COUNTERS_LENGTH)
    const runTimes = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * options.slots)
    this.#startTimes = new Float64Array(startTimes)
    this.#runTimes = new Float64Array(runTimes)
    this.#counters = new Int32Array(counters)
    const workerData: WorkerSetup = { routes: options.routes, source: options.source, startTimes, runTimes, counters }
    this.#pool = new Piscina<TaskBatch, TaskOutput[]>({
      filename: options.filename ?? defaultWorkerFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      // A fixed pool: idle workers stay (idleTimeout 0 would kill them at once).
      idleTimeout: 2 ** 31 - 1,
      // This pool posts at most #capacity tasks; Piscina queues some only while it replaces a thread.
      // The margin covers aborted tasks, which Piscina accounts for outside its queue (#1029).
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
   * Runs one event. Never rejects: an event that does not return is reported as a `failed` output
   * with the code of what happened (deadline, memory limit, worker death, pool closed).
   */
  run (task: TaskInput): Promise<Result> {
    return new Promise<Result>(resolve => {
      const entry: Entry = { task, queuedAt: now(), reruns: 0, resolve }
      if (this.#closed) {
        this.#answer(entry, this.#closedOutput())
        return
      }
      this.#startTimes[task.slot] = 0
      this.#waiting.push(entry)
      // Once per turn: the events handed over in one go (a pump of the gate) are planned together.
      if (!this.#flushQueued) {
        this.#flushQueued = true
        queueMicrotask(() => {
          this.#flushQueued = false
          this.#flush()
        })
      }
    })
  }

  /** Posts tasks while the workers have room. */
  #flush (): void {
    while (this.#posted < this.#capacity && !this.#closed) {
      const entries = this.#take()
      if (entries === undefined) return
      this.#post(entries)
    }
  }

  /** The events of the next task: an innocent to run again alone, else a batch from the head. */
  #take (): Entry[] | undefined {
    const again = this.#again.shift()
    if (again !== undefined) return [again]
    const head = this.#waiting.shift()
    if (head === undefined) return undefined
    const batch = [head]
    if (!this.#batchable(head)) return batch
    const cap = batchCap(this.#waiting.length + 1, this.#capacity - this.#posted, this.#runTime.value, this.#limits)
    let bytes = head.task.value.byteLength
    for (let next = this.#waiting.peek(); next !== undefined && batch.length < cap; next = this.#waiting.peek()) {
      if (!this.#batchable(next) || bytes + next.task.value.byteLength > this.#limits.maxBytes) break
      bytes += next.task.value.byteLength
      batch.push(this.#waiting.shift() as Entry)
    }
    return batch
  }

  /** A retried event (it failed once) runs alone: if it kills its thread again, it takes no one with it. */
  #batchable (e: Entry): boolean {
    return e.task.attempt <= 1 && e.task.value.byteLength <= this.#limits.maxBytes
  }

  #post (entries: Entry[]): void {
    const posted: Posted = { entries, controller: new AbortController() }
    for (const e of entries) {
      this.#startTimes[e.task.slot] = 0
      this.#runTimes[e.task.slot] = 0
      this.#bySlot.set(e.task.slot, posted)
    }
    this.#posted++
    this.#tasks++
    this.#events += entries.length
    this.#pool.run(message(entries), { signal: posted.controller.signal }).then(
      outputs => this.#settle(posted, outputs, undefined),
      (err: unknown) => this.#settle(posted, undefined, err)
    )
  }

  #settle (posted: Posted, outputs: TaskOutput[] | undefined, err: unknown): void {
    this.#posted--
    for (const e of posted.entries) if (this.#bySlot.get(e.task.slot) === posted) this.#bySlot.delete(e.task.slot)
    for (const [i, e] of posted.entries.entries()) {
      const output = outputs?.[i]
      if (output !== undefined) {
        this.#answer(e, output)
        continue
      }
      // The worker entry catches everything a handler throws, so a rejection means the thread died
      // (or the pool closed). Only the event running then (start cell > 0) is the culprit. Cell 0: it
      // never started; cell < 0: it finished, but its answer went down with the task. Both are
      // innocent and run again, alone (handlers are pure: same answer).
      const innocent = (this.#startTimes[e.task.slot] as number) <= 0
      if (innocent && e.reruns < MAX_INNOCENT_RERUNS && !this.#closed) {
        e.reruns++
        this.#rerun++
        this.#again.push(e)
        continue
      }
      if (!this.#closed) this.#replaced++
      this.#answer(e, this.#closed ? this.#closedOutput() : classify(err, innocent ? undefined : posted.controller.signal))
    }
    this.#flush()
  }

  #answer (e: Entry, output: TaskOutput): void {
    const cell = this.#startTimes[e.task.slot] as number
    this.#startTimes[e.task.slot] = 0
    // Ended (cell < 0): the run time the worker measured. Killed while running: until now.
    const timing = cell === 0
      ? { waitMs: Number.NaN, runMs: Number.NaN }
      : { waitMs: Math.max(0, Math.abs(cell) - e.queuedAt), runMs: Math.max(0, cell < 0 ? this.#runTimes[e.task.slot] as number : now() - cell) }
    this.#runTime.record(timing.runMs)
    e.resolve({ output, timing })
  }

  #closedOutput (): TaskOutput & { kind: 'failed' } {
    return { kind: 'failed', code: 'IC_WORKER_CRASH', message: createError('IC_WORKER_CRASH', 'the pool closed before the event ran').message }
  }

  #enforceDeadlines (): void {
    const t = now()
    for (const [slot, posted] of this.#bySlot) {
      const started = this.#startTimes[slot] as number
      if (started > 0 && t - started > this.#timeoutMs && !posted.controller.signal.aborted) {
        posted.controller.abort(createError('IC_HANDLER_TIMEOUT', this.#timeoutMs))
      }
    }
  }

  stats (): { threads: number, queueSize: number, utilization: number, running: number, peakRunning: number, workersReplaced: number, tasksRerun: number, tasksPosted: number, eventsPosted: number } {
    let running = 0
    for (const v of this.#startTimes) if (v > 0) running++
    return {
      threads: this.#pool.threads.length,
      queueSize: this.#waiting.length + this.#again.length + this.#pool.queueSize,
      utilization: this.#pool.utilization,
      running,
      peakRunning: Atomics.load(this.#counters, COUNTER_PEAK_RUNNING),
      workersReplaced: this.#replaced,
      tasksRerun: this.#rerun,
      tasksPosted: this.#tasks,
      eventsPosted: this.#events
    }
  }

  /**
   * Resolves once workers answer a probe, i.e. the worker module and every handler it routes to loaded.
   * A worker that fails while starting is not replaced by Piscina (PITFALLS): without this probe such a
   * pool would take tasks and never run them.
   */
  async ready (): Promise<void> {
    try {
      await Promise.all(Array.from({ length: this.threads }, async () => this.#pool.run(undefined as unknown as TaskBatch, { name: 'ping' })))
    } catch (err) {
      throw new Error(`worker threads failed to start: ${(err as Error).message}`, { cause: err })
    }
  }

  /** Stops the workers; events not answered yet are answered as failed (the caller's drain is over). */
  async close (): Promise<void> {
    this.#closed = true
    clearInterval(this.#watchdog)
    for (const queue of [this.#again, this.#waiting]) {
      for (let e = queue.shift(); e !== undefined; e = queue.shift()) this.#answer(e, this.#closedOutput())
    }
    await this.#pool.destroy()
  }
}
