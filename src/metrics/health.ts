// Health as the seed document interprets the backpressure metrics, over a recent window (not since
// start, so that one bad hour does not mark a recovered service forever):
//   healthy    backpressure_percentage < 10 %  and avg wait < 100 ms
//   high_load  10–30 %                          or  100–500 ms
//   overload   > 30 %                           or  > 500 ms
//   unhealthy  the consumer is not running, or has lost its group
// Pure: the window keeps snapshots of cumulative counters and subtracts.

import { backpressureFigures } from '../backpressure/gate.js'

export type HealthStatus = 'healthy' | 'high_load' | 'overload' | 'unhealthy'

export interface Cumulative {
  /** Events that found no free slot. */
  readonly blocked: number
  /** Their total wait, ms. */
  readonly waitMs: number
  /** Events finished (answered or dead-lettered). */
  readonly finished: number
}

export interface WindowStats {
  readonly windowMs: number
  readonly blocked: number
  readonly finished: number
  readonly backpressurePercentage: number
  readonly avgWaitMs: number
}

export class HealthWindow {
  readonly #windowMs: number
  readonly #samples: Array<{ at: number, c: Cumulative }> = []

  constructor (windowMs: number) { this.#windowMs = windowMs }

  /** Records the counters at time `at` (ms); call every few seconds and before reading. */
  sample (at: number, c: Cumulative): void {
    this.#samples.push({ at, c })
    // Drop samples once a newer one is also older than the window: what stats() reads stays inside.
    while (this.#samples.length > 2 && (this.#samples[1] as { at: number }).at <= at - this.#windowMs) this.#samples.shift()
  }

  /** Figures since the oldest sample inside the window (or the newest one, if none is inside). */
  stats (at: number, now: Cumulative): WindowStats {
    const base = this.#samples.find(s => s.at >= at - this.#windowMs) ?? this.#samples[this.#samples.length - 1]
    const b = base?.c ?? { blocked: 0, waitMs: 0, finished: 0 }
    const blocked = now.blocked - b.blocked
    const finished = now.finished - b.finished
    const waitMs = now.waitMs - b.waitMs
    const figures = backpressureFigures(blocked, waitMs, finished)
    return {
      windowMs: base === undefined ? 0 : at - base.at,
      blocked,
      finished,
      // Events stuck at the gate with nothing finishing is the worst load, not none.
      backpressurePercentage: finished === 0 && blocked > 0 ? 100 : figures.percentage,
      avgWaitMs: figures.avgWaitMs
    }
  }
}

export function classifyHealth (args: { running: boolean, inGroup: boolean, window: Pick<WindowStats, 'backpressurePercentage' | 'avgWaitMs'> }): HealthStatus {
  if (!args.running || !args.inGroup) return 'unhealthy'
  const { backpressurePercentage: pct, avgWaitMs: wait } = args.window
  if (pct > 30 || wait > 500) return 'overload'
  if (pct >= 10 || wait >= 100) return 'high_load'
  return 'healthy'
}
