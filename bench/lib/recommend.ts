// The sizing rule of bench:size, as a pure function: the smallest max_in_flight whose throughput is
// within `tolerance` (5%) of the best measured and whose peak RSS fits the memory budget.

export interface SweepPoint { readonly maxInFlight: number, readonly throughput: number, readonly peakRssMb: number }

export interface Recommendation {
  /** The value to configure, or undefined when no measured value fits the budget. */
  readonly value: number | undefined
  /** Throughput the sweep measured at `value` (the prediction --verify checks). */
  readonly predicted: number
  readonly best: SweepPoint | undefined
  /** Whether `value` is within the tolerance of the best (false: the budget forced a slower value). */
  readonly withinTolerance: boolean
  /** Throughput still rose, beyond the tolerance, from the second largest value swept to the largest:
   * it may rise further (quick handlers hold their slots mostly while responses are acknowledged, and
   * need many). A plateau whose top happens to be the largest value is not reported. */
  readonly stillRising: boolean
  readonly reason: string
}

export function recommend (points: readonly SweepPoint[], budgetMb = Number.POSITIVE_INFINITY, tolerance = 0.05): Recommendation {
  const measured = points.filter(p => Number.isFinite(p.throughput) && p.throughput > 0)
  const best = measured.reduce<SweepPoint | undefined>((b, p) => b === undefined || p.throughput > b.throughput ? p : b, undefined)
  if (best === undefined) return { value: undefined, predicted: Number.NaN, best, withinTolerance: false, stillRising: false, reason: 'no run produced a throughput' }
  const [largest, second] = [...measured].sort((a, b) => b.maxInFlight - a.maxInFlight)
  const stillRising = largest === best && second !== undefined && largest.throughput > second.throughput * (1 + tolerance)
  const floor = best.throughput * (1 - tolerance)
  const fits = measured.filter(p => p.peakRssMb <= budgetMb)
  const good = fits.filter(p => p.throughput >= floor).sort((a, b) => a.maxInFlight - b.maxInFlight)[0]
  const pct = Math.round(tolerance * 100)
  if (good !== undefined) {
    return {
      value: good.maxInFlight,
      predicted: good.throughput,
      best,
      withinTolerance: true,
      stillRising,
      reason: `smallest max_in_flight within ${pct}% of the best throughput (${best.throughput.toFixed(1)} events/s at ${best.maxInFlight})` +
        (Number.isFinite(budgetMb) ? ` whose peak RSS fits ${budgetMb} MB` : ' (no memory budget given)')
    }
  }
  const fallback = fits.sort((a, b) => b.throughput - a.throughput || a.maxInFlight - b.maxInFlight)[0]
  if (fallback !== undefined) {
    return {
      value: fallback.maxInFlight,
      predicted: fallback.throughput,
      best,
      withinTolerance: false,
      stillRising,
      reason: `no value within ${pct}% of the best fits ${budgetMb} MB; the fastest that fits reaches ` +
        `${(100 * fallback.throughput / best.throughput).toFixed(0)}% of the best`
    }
  }
  const smallest = Math.min(...measured.map(p => p.peakRssMb))
  return {
    value: undefined,
    predicted: Number.NaN,
    best,
    withinTolerance: false,
    stillRising,
    reason: `no measured value fits ${budgetMb} MB: the smallest peak RSS was ${smallest.toFixed(0)} MB (threads, handlers and the Node runtime included)`
  }
}
