// Latency distributions (hdr-histogram-js): stored in microseconds with 2 significant digits, so every
// figure read back is within about 1 % of the true one (plus 1 µs of rounding).
import t from 'tap'
import fc from 'fast-check'
import { Latency } from '../../../src/metrics/latency.js'

// 2 significant digits: hdr-histogram's buckets are at most 1/128 of their magnitude wide (< 1 %).
const close = (got: number, want: number): boolean => Math.abs(got - want) <= want * 0.01 + 0.001

t.test('empty: zeros, not NaN', async t => {
  const l = new Latency()
  t.same(l.summary(), { count: 0, p50: 0, p99: 0, max: 0, mean: 0 })
  t.equal(l.percentile(99), 0)
})

t.test('a known distribution: 1..100 ms', async t => {
  const l = new Latency()
  for (let ms = 1; ms <= 100; ms++) l.record(ms)
  const s = l.summary()
  t.equal(s.count, 100)
  t.ok(close(s.p50, 50), `p50 ${s.p50}`)
  t.ok(close(s.p99, 99), `p99 ${s.p99}`)
  t.ok(close(s.max, 100), `max ${s.max}`)
  t.ok(close(s.mean, 50.5), `mean ${s.mean}`)
  t.ok(close(l.percentile(90), 90), `p90 ${l.percentile(90)}`)
})

t.test('values it cannot hold are ignored or clamped, never thrown', async t => {
  const l = new Latency()
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1]) l.record(bad)
  t.equal(l.summary().count, 0, 'NaN, infinities and negatives are not recorded')
  l.record(0)
  t.equal(l.summary().count, 1, 'zero is recorded')
  t.ok(l.summary().max <= 0.001 + 1e-9, 'as the smallest value, 1 µs')
  l.record(10 * 3_600_000)
  t.ok(close(l.summary().max, 3_600_000), 'beyond one hour is clamped to one hour')
})

t.test('no percentile and no mean above the max (hdr reports a bucket\'s highest value)', async t => {
  const l = new Latency()
  l.record(0.3635) // held as 364 µs, in a bucket that hdr reports as 365 µs
  const s = l.summary()
  t.ok(s.p50 <= s.max && s.p99 <= s.max && s.mean <= s.max, JSON.stringify(s))
  t.ok(l.percentile(100) <= s.max)
})

t.test('reset empties it', async t => {
  const l = new Latency()
  l.record(5)
  l.reset()
  t.same(l.summary(), { count: 0, p50: 0, p99: 0, max: 0, mean: 0 })
})

t.test('for any sample: count exact, max and mean within 1 %, percentiles bracket the true order statistics', async t => {
  const ms = fc.double({ min: 0.001, max: 3_600_000, noNaN: true })
  fc.assert(fc.property(fc.array(ms, { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
    const l = new Latency()
    for (const v of values) l.record(v)
    // What the histogram holds is the value rounded to whole microseconds (at least 1 µs).
    const held = values.map(v => Math.max(1, Math.round(v * 1000)) / 1000).sort((a, b) => a - b)
    const s = l.summary()
    if (s.count !== values.length) return false
    if (!close(s.max, held[held.length - 1] as number)) return false
    if (!close(s.mean, held.reduce((a, v) => a + v, 0) / held.length)) return false
    // The p-th percentile is the value at rank ceil(p/100 × n), up to the bucket width.
    const rank = Math.max(1, Math.ceil((p / 100) * held.length))
    return close(l.percentile(p), held[rank - 1] as number) && s.p50 <= s.p99 && s.p99 <= s.max && s.mean <= s.max
  }))
})
