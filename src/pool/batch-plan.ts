// How many events the next pool task carries. Pure, so that it is tested without threads.
//
// A trip to a worker costs the main thread a fixed ~50 µs (Piscina's bookkeeping, a message, a thread
// wake-up), which is nothing next to a 5 ms analysis and everything next to a 20 µs one. So events are
// grouped, but only when it pays and never at the cost of an idle thread:
// - a task carries at most about `targetMs` of work, judged by the recent run time per event (as the
//   workers measured it): slow events go one per task and spread over every thread instead of
//   queueing behind each other;
// - events handed over together are spread over as many tasks as their work needs at `targetMs`
//   each, up to the room free at the workers, so that no worker idles while another has a backlog;
// - until run times are known, one event per task.

export interface BatchLimits {
  /** Most events in one task. */
  readonly maxEvents: number
  /** Most value bytes in one task; a larger event goes alone. */
  readonly maxBytes: number
  /** Work one task should carry at most, ms (judged by the recent average run time per event). */
  readonly targetMs: number
}

/** Up to 128 events or 64 KiB of values per task, and about 1 ms of work (a 5 % share for a trip). The
 * event cap only guards against a run-time estimate gone wrong: 1 ms of work decides first for any event
 * slower than ~8 µs, and tasks of 32 instead of 128 no-op events cost the main thread ~13 % of the
 * no-op throughput (bench:size --workload cpu --cpu-ms 0, side by side). */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxEvents: 128, maxBytes: 64 * 1024, targetMs: 1 }

/**
 * The most events the next task may take from the head of the queue: `waiting` events are queued,
 * `room` more tasks fit at the workers now (≥ 1), recent events ran `avgRunMs` each on average.
 */
export function batchCap (waiting: number, room: number, avgRunMs: number | undefined, limits: BatchLimits): number {
  if (waiting <= 1 || limits.maxEvents <= 1 || avgRunMs === undefined) return 1
  const byCost = avgRunMs > 0 ? Math.floor(limits.targetMs / avgRunMs) : limits.maxEvents
  // As many tasks as the waiting work needs at targetMs each, no more than there is room for.
  const tasks = Math.min(Math.max(1, room), Math.max(1, Math.ceil(waiting * avgRunMs / limits.targetMs)))
  return Math.max(1, Math.min(limits.maxEvents, byCost, Math.ceil(waiting / tasks)))
}

/** Weight of each new run time in the recent average, once it has that many (an exponential moving
 * average; before that, the plain mean, so that a cold first run does not linger). */
const RUN_MS_WEIGHT = 0.05

/** The recent average run time per event, as the workers measured it. */
export class RunTimeAverage {
  #value: number | undefined
  #count = 0

  get value (): number | undefined { return this.#value }

  /** Runs that never happened (NaN: the event never started) are ignored. */
  record (runMs: number): void {
    if (!Number.isFinite(runMs)) return
    this.#count++
    const weight = Math.max(RUN_MS_WEIGHT, 1 / this.#count)
    this.#value = this.#value === undefined ? runMs : this.#value + weight * (runMs - this.#value)
  }
}
