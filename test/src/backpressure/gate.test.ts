import t from 'tap'
import fc from 'fast-check'
import { Gate } from '../../../src/backpressure/gate.js'

t.test('count limit: never more than maxInFlight slots, slot ids unique', async t => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.boolean(), { maxLength: 300 }), (max, ops) => {
    const gate = new Gate({ maxInFlight: max, maxInFlightBytes: 0 })
    const held: number[] = []
    for (const acquire of ops) {
      if (acquire) {
        const slot = gate.tryAcquire(1)
        if (held.length < max) {
          if (slot === undefined) return false
          if (held.includes(slot) || slot < 0 || slot >= max) return false
          held.push(slot)
        } else if (slot !== undefined) return false
      } else if (held.length > 0) {
        gate.release(held.shift() as number, 1)
      }
      if (gate.inFlight !== held.length || gate.inFlight > max) return false
    }
    return gate.snapshot().maxConcurrent <= max
  }))
})

t.test('byte budget: waits while bytes would exceed it; oversize runs alone', async t => {
  const gate = new Gate({ maxInFlight: 10, maxInFlightBytes: 100 })
  const a = gate.tryAcquire(60)
  t.not(a, undefined)
  t.equal(gate.tryAcquire(50), undefined, '60 + 50 > 100')
  const b = gate.tryAcquire(40)
  t.not(b, undefined, '60 + 40 fits')
  t.equal(gate.tryAcquire(500), undefined, 'oversize waits while others run')
  gate.release(a as number, 60)
  gate.release(b as number, 40)
  const big = gate.tryAcquire(500)
  t.not(big, undefined, 'oversize runs alone when nothing else is in flight')
  t.equal(gate.tryAcquire(1), undefined, 'nothing joins an oversize event')
  gate.release(big as number, 500)
  t.equal(gate.inFlightBytes, 0)
})

t.test('byte budget property: in-flight bytes stay within budget unless one event runs alone', async t => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 200 }), ops => {
    const gate = new Gate({ maxInFlight: 8, maxInFlightBytes: 256 })
    const held: Array<[number, number]> = []
    for (const [acquire, bytes] of ops) {
      if (acquire) {
        const slot = gate.tryAcquire(bytes)
        if (slot !== undefined) held.push([slot, bytes])
      } else if (held.length > 0) {
        const [slot, b] = held.shift() as [number, number]
        gate.release(slot, b)
      }
      if (gate.inFlight > 1 && gate.inFlightBytes > 256) return false
    }
    return true
  }))
})

t.test('the old service facts: 5 waits totalling 250 ms over 10 events → avg 50 ms', async t => {
  const gate = new Gate({ maxInFlight: 3, maxInFlightBytes: 0 })
  for (let i = 0; i < 5; i++) { gate.noteBlocked(); gate.noteWaited(50) }
  const s = gate.snapshot()
  t.equal(s.maxInFlightReached, 5)
  t.equal(s.totalWaitMs, 250)
})

t.test('release without acquire is a bug, not a silent negative count', async t => {
  const gate = new Gate({ maxInFlight: 1, maxInFlightBytes: 0 })
  t.throws(() => gate.release(0, 0))
  t.throws(() => new Gate({ maxInFlight: 0, maxInFlightBytes: 0 }), RangeError)
  t.throws(() => new Gate({ maxInFlight: 1, maxInFlightBytes: -1 }), RangeError)
})
