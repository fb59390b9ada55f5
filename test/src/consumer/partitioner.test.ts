// Responses must land on the partition a Java producer (and kafkajs' default partitioner) would pick.
import t from 'tap'
import fc from 'fast-check'
import { createRequire } from 'node:module'
import { murmur2, partitionForKey } from '../../../src/consumer/partitioner.js'

// kafkajs' own murmur2 (a Long-based port of the Java client's): the reference.
const reference = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number

t.test('known values of the Java client', async t => {
  // From the Java client's UtilsTest.testMurmur2.
  t.equal(murmur2(Buffer.from('21')), -973932308)
  t.equal(murmur2(Buffer.from('foobar')), -790332482)
  t.equal(murmur2(Buffer.from('a-little-bit-long-string')), -985981536)
  t.equal(murmur2(Buffer.from('a-little-bit-longer-string')), -1486304829)
  t.equal(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')), -58897971)
  t.equal(murmur2(Buffer.from('abc')), 479470107)
})

t.test('the same hash and partition as kafkajs for any key', async t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 1000 }), (bytes, partitions) => {
    const key = Buffer.from(bytes)
    return murmur2(key) === reference(key) && partitionForKey(key, partitions) === (reference(key) & 0x7fffffff) % partitions
  }), { numRuns: 2000 })
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 1, max: 64 }), (key, partitions) =>
    partitionForKey(key, partitions) === (reference(key) & 0x7fffffff) % partitions), { numRuns: 1000 })
  t.pass('identical on random keys')
})
