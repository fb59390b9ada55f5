// The pure parts of the bench tools: the sizing rule and the statistics behind every figure.
import t from 'tap'
import { recommend } from '../../bench/lib/recommend.js'
import { fmt, median, quantile, ratio, summarize } from '../../bench/lib/stats.js'

const sweep = [
  { maxInFlight: 1, throughput: 50, peakRssMb: 200 },
  { maxInFlight: 4, throughput: 96, peakRssMb: 260 },
  { maxInFlight: 16, throughput: 100, peakRssMb: 320 },
  { maxInFlight: 64, throughput: 98, peakRssMb: 420 }
]

t.test('recommend: smallest value within 5% of the best, without a budget', async t => {
  const r = recommend(sweep)
  t.equal(r.value, 4)
  t.equal(r.predicted, 96)
  t.equal(r.best?.maxInFlight, 16)
  t.ok(r.withinTolerance)
  t.match(r.reason, /no memory budget/)
})

t.test('recommend: says when throughput still rose at the largest value swept', async t => {
  t.notOk(recommend(sweep).stillRising, 'best at 16 of 1..64')
  const rising = recommend(sweep.map(p => ({ ...p, throughput: p.maxInFlight })))
  t.ok(rising.stillRising, 'still rising at 64')
  t.equal(rising.value, 64)
  const plateau = recommend(sweep.map(p => ({ ...p, throughput: p.maxInFlight === 64 ? 102 : p.throughput })))
  t.equal(plateau.best?.maxInFlight, 64)
  t.notOk(plateau.stillRising, 'best at 64 by 2 % over 16: a plateau, not a rise')
  t.notOk(recommend([{ maxInFlight: 8, throughput: 10, peakRssMb: 10 }]).stillRising, 'one value swept: nothing to say')
})

t.test('recommend: the budget excludes values whose peak RSS does not fit', async t => {
  t.equal(recommend(sweep, 300).value, 4)
  const r = recommend(sweep, 250)
  t.equal(r.value, 1, 'only max_in_flight 1 fits 250 MB')
  t.notOk(r.withinTolerance)
  t.match(r.reason, /fastest that fits reaches 50%/)
})

t.test('recommend: nothing fits, nothing measured', async t => {
  const none = recommend(sweep, 100)
  t.equal(none.value, undefined)
  t.match(none.reason, /smallest peak RSS was 200 MB/)
  const empty = recommend([{ maxInFlight: 8, throughput: Number.NaN, peakRssMb: 10 }])
  t.equal(empty.value, undefined)
  t.equal(empty.best, undefined)
  t.match(empty.reason, /no run produced a throughput/)
})

t.test('stats: nearest-rank percentiles, medians, ratios, formatting', async t => {
  const s = summarize([5, 1, 4, 2, 3])
  t.same([s.count, s.p50, s.p95, s.p99, s.max, s.mean], [5, 3, 5, 5, 5, 3])
  t.ok(Number.isNaN(summarize([]).p50))
  t.ok(Number.isNaN(quantile([], 0.5)))
  t.equal(quantile([10, 20, 30, 40], 0.25), 10)
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.ok(Number.isNaN(median([Number.NaN])))
  t.equal(ratio(3, 2), 1.5)
  t.ok(Number.isNaN(ratio(1, 0)))
  t.equal(fmt(1.234, 2), '1.23')
  t.equal(fmt(Number.NaN), '-')
  t.equal(fmt(undefined), '-')
})
