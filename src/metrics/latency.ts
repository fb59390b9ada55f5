// The only file that imports hdr-histogram-js: latency distributions in milliseconds, stored in
// microseconds with 2 significant digits (≈1% error) from 1 µs to 1 hour, in a few KB each.

import hdr from 'hdr-histogram-js'

export interface Percentiles { readonly count: number, readonly p50: number, readonly p99: number, readonly max: number, readonly mean: number }

export class Latency {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 })

  record (ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return
    this.#h.recordValue(Math.min(3_600_000_000, Math.max(1, Math.round(ms * 1000))))
  }

  // hdr-histogram reports a percentile (and the mean) as the highest (median) value its bucket stands
  // for, which can lie above the largest value recorded (364 µs recorded: p99 365 µs, max 364 µs).
  // Clamped to the max, so that a summary never shows p99 > max.
  percentile (p: number): number { return this.#h.totalCount === 0 ? 0 : this.#atMost(this.#h.getValueAtPercentile(p)) / 1000 }

  #atMost (us: number): number { return Math.min(us, this.#h.maxValue) }

  summary (): Percentiles {
    const count = this.#h.totalCount
    if (count === 0) return { count, p50: 0, p99: 0, max: 0, mean: 0 }
    return {
      count,
      p50: this.#atMost(this.#h.getValueAtPercentile(50)) / 1000,
      p99: this.#atMost(this.#h.getValueAtPercentile(99)) / 1000,
      max: this.#h.maxValue / 1000,
      mean: this.#atMost(this.#h.mean) / 1000
    }
  }

  reset (): void { this.#h.reset() }
}
