// The synthetic CPU handler used by tests and benchmarks: payload {"cpu_ms": n} burns n ms of CPU in
// the worker with real computation (not a sleep, which would free the core and flatter the pool).
// Routed only when KAFKA_BENCH_CPU_REQUEST names a topic.

import { performance } from 'node:perf_hooks'
import { HandlerInputError, type HandlerDefinition, type JsonObject } from './types.js'

/** Upper bound on one task's cost: enough for any benchmark, small enough to stop a typo. */
const MAX_CPU_MS = 600_000

export function burnCpu (ms: number): { iterations: number, checksum: number } {
  const until = performance.now() + ms
  let x = 0x9e3779b9
  let checksum = 0
  let iterations = 0
  do {
    // A few hundred xorshift rounds between clock reads keep the clock off the profile.
    for (let i = 0; i < 256; i++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5
      checksum = (checksum + (x >>> 0) % 1000003) % 2147483647
    }
    iterations += 256
  } while (performance.now() < until)
  return { iterations, checksum }
}

export const benchCpuHandler: HandlerDefinition = {
  name: 'bench_cpu',
  eventTypes: ['bench.cpu'],
  payloadType: 'BenchCpuResponse',
  errorCode: 'BENCH_ERROR',
  handle (payload: JsonObject): JsonObject {
    const ms = payload.cpu_ms ?? 0
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_CPU_MS) {
      throw new HandlerInputError(`cpu_ms must be a number between 0 and ${MAX_CPU_MS}`)
    }
    const started = performance.now()
    const { iterations, checksum } = burnCpu(ms)
    return { cpu_ms: ms, burned_ms: performance.now() - started, iterations, checksum }
  }
}
