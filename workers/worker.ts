// Worker-thread entry, loaded by Piscina (src/pool/pool.ts): loads the handlers named by the routes in
// workerData, then runs the Kafka events of each task one after another (./handle-event.ts), marking
// each event's slot in the shared start/end-time tables as it starts and ends: the main thread's
// watchdog holds each event to its own deadline, and, if this thread dies mid-task, the tables tell it
// which event was running. No logging here (PITFALLS): the main thread logs what the result says.

import { performance } from 'node:perf_hooks'
import { workerData } from 'node:worker_threads'
import { COUNTER_PEAK_RUNNING, type Task, type TaskOutput, type WorkerSetup } from '../src/pool/task.js'
import { handleEvent } from './handle-event.js'
import { buildRouter } from './router.js'

const setup = workerData as WorkerSetup
const startTimes = new Float64Array(setup.startTimes)
const endTimes = new Float64Array(setup.endTimes)
const counters = new Int32Array(setup.counters)

// Top-level await: a worker that cannot load its handlers fails at start, loudly (the pool's start-up
// probe reports it), not per event.
const router = await buildRouter(setup.routes)

/** Marks the event's slot as running and records the most events ever seen running at once. */
function markStart (slot: number): void {
  startTimes[slot] = performance.timeOrigin + performance.now()
  let running = 0
  for (const t of startTimes) if (t > 0) running++
  let peak = Atomics.load(counters, COUNTER_PEAK_RUNNING)
  while (running > peak) {
    const seen = Atomics.compareExchange(counters, COUNTER_PEAK_RUNNING, peak, running)
    if (seen === peak) break
    peak = seen
  }
}

function markEnd (slot: number): void {
  // End first, then the sign: whoever sees the start negated also finds the end.
  endTimes[slot] = performance.timeOrigin + performance.now()
  // Negated, not cleared: the main thread still reads the start time to split wait from run time.
  startTimes[slot] = -(startTimes[slot] as number)
}

/** The pool's start-up probe (src/pool/pool.ts): answers once this worker has loaded its handlers. */
export function ping (): string { return 'pong' }

export default async function runTask (task: Task): Promise<TaskOutput[]> {
  const outputs: TaskOutput[] = []
  // Strictly one after another: a batch is a way to pay one message for many small events, not a way
  // to run them concurrently (the pool has one task per thread, and per-event deadlines assume it).
  for (const event of task.events) {
    markStart(event.slot)
    try {
      outputs.push(await handleEvent(event.value, event.topic, router, setup.source))
    } finally {
      markEnd(event.slot)
    }
  }
  return outputs
}
