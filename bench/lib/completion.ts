// Counts finished events of one run and derives its steady-state rate: the first `warmup` events
// (group join, first fetch, JIT, parser load) are left out, and CPU time is read at the same two
// moments, so that the CPU share matches the throughput window. process.cpuUsage() is process-wide:
// worker threads included.

import { performance } from 'node:perf_hooks'

export interface Steady {
  /** Events finished inside the window. */
  readonly events: number
  readonly ms: number
  readonly perSecond: number
  /** CPU time (user + system, all threads) ÷ wall time in the window: cores kept busy. */
  readonly coresBusy: number
  readonly cpuUserMs: number
  readonly cpuSystemMs: number
}

export class Completion {
  count = 0
  readonly #target: number
  #warmup: number
  #t0 = Number.NaN
  #cpu0: NodeJS.CpuUsage | undefined
  #t1 = Number.NaN
  /** Events finished when the window closed (later ones, e.g. drained at stop, are not in it). */
  #countAtEnd = 0
  #cpu1: NodeJS.CpuUsage | undefined
  #resolve: (() => void) | undefined
  readonly done: Promise<void>

  /** `target`: events that end the run (Infinity: ended by the caller); `warmup`: events left out. */
  constructor (target: number, warmup: number) {
    this.#target = target
    this.#warmup = Math.max(0, Math.min(warmup, Number.isFinite(target) ? target - 2 : warmup))
    this.done = new Promise(resolve => { this.#resolve = resolve })
    if (this.#warmup === 0) this.#mark0()
  }

  #mark0 (): void {
    this.#t0 = performance.now()
    this.#cpu0 = process.cpuUsage()
  }

  /** Starts the window now, leaving out what finished before (time-bounded runs: after start-up). */
  begin (): void {
    this.#warmup = this.count
    this.#mark0()
  }

  note (): void {
    this.count++
    if (this.count === this.#warmup) this.#mark0()
    if (this.count === this.#target) this.end()
  }

  /** Closes the window now (the target was reached, or the caller's time is up). */
  end (): void {
    if (this.#cpu1 !== undefined) return
    this.#t1 = performance.now()
    this.#cpu1 = process.cpuUsage()
    this.#countAtEnd = this.count
    this.#resolve?.()
  }

  steady (): Steady {
    const events = this.#countAtEnd - this.#warmup
    const ms = this.#t1 - this.#t0
    const user = this.#cpu0 !== undefined && this.#cpu1 !== undefined ? (this.#cpu1.user - this.#cpu0.user) / 1000 : Number.NaN
    const system = this.#cpu0 !== undefined && this.#cpu1 !== undefined ? (this.#cpu1.system - this.#cpu0.system) / 1000 : Number.NaN
    return {
      events,
      ms,
      perSecond: ms > 0 && events > 0 ? events / (ms / 1000) : Number.NaN,
      coresBusy: ms > 0 ? (user + system) / ms : Number.NaN,
      cpuUserMs: user,
      cpuSystemMs: system
    }
  }
}
