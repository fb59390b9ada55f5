// Small statistics for bench results: exact percentiles over the samples of one run (a run keeps at
// most a few hundred thousand numbers, so sorting them is cheaper than a histogram's rounding).

export interface Summary {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** Nearest-rank percentile of values sorted ascending (q in 0..1). */
export function quantile (sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(q * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number
}

export function summarize (values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort()
  const n = sorted.length
  if (n === 0) return { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN }
  let sum = 0
  for (const v of sorted) sum += v
  return { count: n, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted[n - 1] as number, mean: sum / n }
}

/** Median of a few rounds (the mean of the two middle ones for an even count). */
export function median (values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (finite.length === 0) return Number.NaN
  const mid = finite.length >> 1
  return finite.length % 2 === 1 ? finite[mid] as number : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
}

export function ratio (a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN
}

/** Fixed decimals, or "-" for a missing figure. */
export function fmt (value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits)
}
