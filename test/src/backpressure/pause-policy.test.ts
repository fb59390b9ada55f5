import t from 'tap'
import fc from 'fast-check'
import { shouldPause, watermarks } from '../../../src/backpressure/pause-policy.js'

t.test('default marks follow max_in_flight', async t => {
  t.same(watermarks({ maxInFlight: 100, maxInFlightBytes: 0 }), { highEvents: 100, lowEvents: 50, highBytes: 0, lowBytes: 0 })
  t.same(watermarks({ maxInFlight: 1, maxInFlightBytes: 0 }), { highEvents: 1, lowEvents: 0, highBytes: 0, lowBytes: 0 })
  t.equal(watermarks({ maxInFlight: 10, maxInFlightBytes: 0, queueHighWater: 40, queueLowWater: 60 }).lowEvents, 39, 'low stays below high')
})

t.test('hysteresis: pauses at high, resumes only at low', async t => {
  const marks = watermarks({ maxInFlight: 10, maxInFlightBytes: 1000 })
  t.equal(shouldPause(false, { events: 9, bytes: 0 }, marks), false)
  t.equal(shouldPause(false, { events: 10, bytes: 0 }, marks), true)
  t.equal(shouldPause(true, { events: 6, bytes: 0 }, marks), true, 'still above low')
  t.equal(shouldPause(true, { events: 5, bytes: 0 }, marks), false)
  t.equal(shouldPause(false, { events: 1, bytes: 1000 }, marks), true, 'byte mark')
  t.equal(shouldPause(true, { events: 1, bytes: 501 }, marks), true)
  t.equal(shouldPause(true, { events: 1, bytes: 500 }, marks), false)
})

t.test('no flapping: a walk of ±1 steps changes state at most once per full swing', async t => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 200 }), fc.array(fc.boolean(), { maxLength: 500 }), (max, steps) => {
    const marks = watermarks({ maxInFlight: max, maxInFlightBytes: 0 })
    let level = 0
    let paused = false
    let lastFlipAt = -1
    for (const up of steps) {
      level = Math.max(0, level + (up ? 1 : -1))
      const next = shouldPause(paused, { events: level, bytes: 0 }, marks)
      if (next !== paused) {
        if (lastFlipAt !== -1 && Math.abs(level - lastFlipAt) < marks.highEvents - marks.lowEvents) return false
        lastFlipAt = level
        paused = next
      }
      if (level >= marks.highEvents && !paused) return false
    }
    return true
  }))
})
