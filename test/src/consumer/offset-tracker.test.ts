import t from 'tap'
import fc from 'fast-check'
import { OffsetTracker } from '../../../src/consumer/offset-tracker.js'

t.test('commit position is the first unfinished offset, whatever order work finishes in', async t => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 80 }), fc.array(fc.nat(), { maxLength: 200 }), fc.bigInt({ min: 0n, max: 1n << 40n }), (n, picks, base) => {
    const tracker = new OffsetTracker()
    tracker.assign('t:0')
    for (let i = 0; i < n; i++) if (!tracker.track('t:0', base + BigInt(i))) return false
    const unfinished = Array.from({ length: n }, (_, i) => base + BigInt(i))
    let lastCommit: bigint | undefined
    for (const p of picks) {
      if (unfinished.length === 0) break
      const [offset] = unfinished.splice(p % unfinished.length, 1) as [bigint]
      tracker.finish('t:0', offset)
      const expected = unfinished.length === 0 ? base + BigInt(n) : unfinished.reduce((a, b) => a < b ? a : b)
      const c = tracker.commitable()
      if (expected === lastCommit) { if (c.length !== 0) return false; continue }
      if (c.length !== 1 || c[0]?.offset !== expected) return false
      tracker.committed('t:0', expected)
      if (lastCommit !== undefined && expected < lastCommit) return false
      lastCommit = expected
    }
    return true
  }))
})

t.test('redelivered offsets are refused while tracked; revoked partitions ignore late results', async t => {
  const tracker = new OffsetTracker()
  tracker.assign('t:0')
  t.ok(tracker.track('t:0', 5n))
  t.ok(tracker.track('t:0', 6n))
  t.notOk(tracker.track('t:0', 5n), 'already in flight')
  t.ok(tracker.finish('t:0', 6n))
  t.same(tracker.commitable(), [{ tp: 't:0', offset: 5n }], '5 still unfinished')
  t.ok(tracker.finish('t:0', 5n))
  t.same(tracker.commitable(), [{ tp: 't:0', offset: 7n }])
  tracker.revoke('t:0')
  t.notOk(tracker.finish('t:0', 7n))
  t.notOk(tracker.track('t:0', 8n), 'not owned')
  t.same(tracker.commitable(), [])
})

t.test('gaps (compaction, transaction markers) commit past the gap', async t => {
  const tracker = new OffsetTracker()
  tracker.assign('t:1')
  tracker.track('t:1', 10n)
  tracker.track('t:1', 14n)
  tracker.finish('t:1', 10n)
  t.same(tracker.commitable(), [{ tp: 't:1', offset: 14n }])
  tracker.finish('t:1', 14n)
  t.same(tracker.commitable(), [{ tp: 't:1', offset: 15n }])
  t.equal(tracker.pending(), 0)
  t.same(tracker.describe().map(d => d.position), [15n])
})
