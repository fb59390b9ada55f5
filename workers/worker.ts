// Worker-thread entry, loaded by Piscina (src/pool/pool.ts): loads the handlers named by the routes in
// workerData, then runs one Kafka event per task (./handle-event.ts) and marks the task's slot in the
// shared start-time table. No logging here (PITFALLS): the main thread logs what the result says.

import { performance } from 'node:perf_hooks'
import { workerData } from 'node:worker_threads'
import { COUNTER_PEAK_RUNNING, type TaskInput, type TaskOutput, type WorkerSetup } from '../src/pool/task.js'
import { handleEvent } from './handle-event.js'
import { buildRouter } from './router.js'

const setup = workerData as WorkerSetup
const startTimes = new Float64Array(setup.startTimes)
const counters = new Int32Array(setup.counters)

// Top-level await: a worker that cannot load its handlers fails at start, loudly (the pool's start-up
// probe reports it), not per event.
const router = await buildRouter(setup.routes)

/** Marks the task's slot as running and records the most tasks ever seen running at once. */
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
  // Negated, not cleared: the main thread still reads the start time to split wait from run time.
  startTimes[slot] = -(startTimes[slot] as number)
}

/** The pool's start-up probe (src/pool/pool.ts): answers once this worker has loaded its handlers. */
export function ping (): string { return 'pong' }

async function run (task: TaskInput): Promise<TaskOutput> {
  markStart(task.slot)
  try {
    return await handleEvent(task.value, task.topic, router, setup.source)
  } finally {
    markEnd(task.slot)
  }
}

// The pool gives a worker its next task while it still runs one (src/pool/pool.ts), and Piscina calls
// this for every message it finds, at once: without this chain, the second task would start at the
// first `await` of the first and the two would interleave, so neither the per-task deadline nor the
// culprit of a dead thread (the only task with a start time and no end) could be told apart.
let previous: Promise<unknown> = Promise.resolve()

export default function runTask (task: TaskInput): Promise<TaskOutput> {
  const result = previous.then(async () => await run(task))
  previous = result.catch(() => {})
  return result
}
