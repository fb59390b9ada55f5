// The seed's interpretation of the backpressure figures, and the window they are judged over.
import t from 'tap'
import fc from 'fast-check'
import { classifyHealth, HealthWindow, type Cumulative, type HealthStatus } from '../../../src/metrics/health.js'

const up = (backpressurePercentage: number, avgWaitMs: number): HealthStatus =>
  classifyHealth({ running: true, inGroup: true, window: { backpressurePercentage, avgWaitMs } })

const SEVERITY: Record<HealthStatus, number> = { healthy: 0, high_load: 1, overload: 2, unhealthy: 3 }

t.test('thresholds of the seed: healthy < 10 % and < 100 ms; high_load 10–30 % or 100–500 ms; overload > 30 % or > 500 ms', async t => {
  const cases: Array<[number, number, HealthStatus]> = [
    [0, 0, 'healthy'],
    [9.99, 99.99, 'healthy'],
    [10, 0, 'high_load'],
    [0, 100, 'high_load'],
    [30, 0, 'high_load'],
    [0, 500, 'high_load'],
    [30, 500, 'high_load'],
    [30.01, 0, 'overload'],
    [0, 500.01, 'overload'],
    // Either figure alone decides: a low percentage does not excuse long waits, nor the reverse.
    [5, 600, 'overload'],
    [50, 10, 'overload'],
    [20, 50, 'high_load'],
    [1, 250, 'high_load'],
    [100, 10_000, 'overload']
  ]
  for (const [pct, wait, expected] of cases) t.equal(up(pct, wait), expected, `${pct} %, ${wait} ms → ${expected}`)
})

t.test('unhealthy whenever the consumer is not running or has lost its group, whatever the load', async t => {
  fc.assert(fc.property(fc.boolean(), fc.boolean(), fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (running, inGroup, pct, wait) => {
    const status = classifyHealth({ running, inGroup, window: { backpressurePercentage: pct, avgWaitMs: wait } })
    return (status === 'unhealthy') === (!running || !inGroup)
  }))
})

t.test('more backpressure or longer waits never make the status better', async t => {
  const figure = fc.double({ min: 0, max: 2000, noNaN: true })
  fc.assert(fc.property(figure, figure, figure, figure, (p1, w1, dp, dw) => {
    return SEVERITY[up(p1 + dp, w1 + dw)] >= SEVERITY[up(p1, w1)]
  }))
})

const c = (blocked: number, waitMs: number, finished: number): Cumulative => ({ blocked, waitMs, finished })

t.test('window: the contract example (5 waits totalling 250 ms over 10 events → 50 ms, 50 %)', async t => {
  const w = new HealthWindow(60_000)
  w.sample(1_000, c(0, 0, 0))
  const s = w.stats(2_000, c(5, 250, 10))
  t.equal(s.avgWaitMs, 50)
  t.equal(s.backpressurePercentage, 50)
  t.equal(s.blocked, 5)
  t.equal(s.finished, 10)
  t.equal(s.windowMs, 1_000, 'the window spans from the baseline sample to now')
})

t.test('window: figures are relative to the baseline, not since start', async t => {
  const w = new HealthWindow(10_000)
  // A bad start: 40 of 50 events blocked, 600 ms average.
  w.sample(0, c(0, 0, 0))
  w.sample(5_000, c(40, 24_000, 50))
  t.equal(up(w.stats(5_000, c(40, 24_000, 50)).backpressurePercentage, w.stats(5_000, c(40, 24_000, 50)).avgWaitMs), 'overload', 'inside the window: overload')
  // Then calm traffic for longer than the window: 100 more events, none blocked.
  let finished = 50
  for (let at = 6_000; at <= 30_000; at += 1_000) {
    finished += 4
    w.sample(at, c(40, 24_000, finished))
  }
  const later = w.stats(30_000, c(40, 24_000, finished))
  t.equal(later.blocked, 0, 'the bad start has left the window')
  t.equal(later.backpressurePercentage, 0)
  t.equal(later.avgWaitMs, 0)
  t.ok(later.finished > 0)
  t.ok(later.windowMs <= 10_000, `window length ${later.windowMs} ms is at most the configured window`)
  t.equal(up(later.backpressurePercentage, later.avgWaitMs), 'healthy', 'recovered: healthy again')
})

t.test('window: events stuck at the gate with nothing finishing is the worst load, not none', async t => {
  const w = new HealthWindow(60_000)
  w.sample(0, c(0, 0, 0))
  const s = w.stats(1_000, c(7, 0, 0))
  t.equal(s.backpressurePercentage, 100)
  t.equal(up(s.backpressurePercentage, s.avgWaitMs), 'overload')
  t.equal(w.stats(1_000, c(0, 0, 0)).backpressurePercentage, 0, 'nothing blocked, nothing finished: 0 %')
})

t.test('window: without any sample, the figures are since zero', async t => {
  const s = new HealthWindow(60_000).stats(123_456, c(2, 300, 20))
  t.same(s, { windowMs: 0, blocked: 2, finished: 20, backpressurePercentage: 10, avgWaitMs: 150 })
})

t.test('window: when the sampler stalled past the window, the last sample is the baseline', async t => {
  const w = new HealthWindow(1_000)
  w.sample(0, c(0, 0, 0))
  w.sample(500, c(1, 10, 5))
  const s = w.stats(10_000, c(3, 30, 9))
  t.equal(s.blocked, 2, 'relative to the newest sample, not to zero')
  t.equal(s.finished, 4)
  t.equal(s.windowMs, 9_500, 'and the reported window says how long it really is')
})

// Reference model: the baseline is the oldest sample at or after `at - windowMs`, else the newest.
t.test('window: for any monotone counters sampled in time order, stats = now − baseline (model)', async t => {
  const step = fc.record({
    dt: fc.integer({ min: 0, max: 3_000 }),
    blocked: fc.nat(5),
    waitMs: fc.nat(1_000),
    finished: fc.nat(10)
  })
  fc.assert(fc.property(fc.integer({ min: 1_000, max: 20_000 }), fc.array(step, { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 5_000 }), (windowMs, steps, gap) => {
    const w = new HealthWindow(windowMs)
    const samples: Array<{ at: number, c: Cumulative }> = []
    let at = 0
    let now = c(0, 0, 0)
    for (const s of steps) {
      at += s.dt
      now = c(now.blocked + s.blocked, now.waitMs + s.waitMs, now.finished + s.finished)
      w.sample(at, now)
      samples.push({ at, c: now })
    }
    const readAt = at + gap
    const base = samples.find(x => x.at >= readAt - windowMs) ?? samples[samples.length - 1]
    if (base === undefined) return false
    const got = w.stats(readAt, now)
    return got.blocked === now.blocked - base.c.blocked &&
      got.finished === now.finished - base.c.finished &&
      got.windowMs === readAt - base.at &&
      got.blocked >= 0 && got.finished >= 0 && got.backpressurePercentage >= 0 && got.avgWaitMs >= 0
  }))
})
