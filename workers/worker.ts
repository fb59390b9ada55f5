// Worker-thread entry, loaded by Piscina (src/pool/pool.ts): loads the handlers named by the routes in
// workerData, then runs the Kafka events of each task one after the other (./handle-event.ts), marking
// each event's slot in the shared start-time table as it starts and ends. No logging here (PITFALLS):
// the main thread logs what the results say.

import { performance } from 'node:perf_hooks'
import { workerData } from 'node:worker_threads'
import { COUNTER_PEAK_RUNNING, type TaskBatch, type TaskOutput, type WorkerSetup } from '../src/pool/task.js'
import { handleEvent } from './handle-event.js'
import { buildRouter } from './router.js'

const setup = workerData as WorkerSetup
const startTimes = new Float64Array(setup.startTimes)
const runTimes = new Float64Array(setup.runTimes)
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
  const started = startTimes[slot] as number
  runTimes[slot] = performance.timeOrigin + performance.now() - started
  startTimes[slot] = -started
}

/** The pool's start-up probe (src/pool/pool.ts): answers once this worker has loaded its handlers. */
export function ping (): string { return 'pong' }

async function run (task: TaskBatch): Promise<TaskOutput[]> {
  const outputs: TaskOutput[] = []
  let from = 0
  for (const [i, event] of task.events.entries()) {
    const to = task.ends[i] as number
    markStart(event.slot)
    try {
      outputs.push(await handleEvent(task.values.subarray(from, to), event.topic, router, setup.source))
    } finally {
      markEnd(event.slot)
    }
    from = to
  }
  return outputs
}

// The pool gives a worker its next task while it still runs one (src/pool/pool.ts), and Piscina calls
// this for every message it finds, at once: without this chain, the second task would start at the
// first `await` of the first and the two would interleave, so neither the per-event deadline nor the
// culprit of a dead thread (the only event with a start time and no end) could be told apart.
let previous: Promise<unknown> = Promise.resolve()

export default function runTask (task: TaskBatch): Promise<TaskOutput[]> {
  const result = previous.then(async () => await run(task))
  previous = result.catch(() => {})
  return result
}
