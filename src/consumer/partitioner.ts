// Which partition a response goes to: the Java client's default for a keyed record, murmur2 of the
// key's bytes, so that responses keyed by correlation id land where Java producers put them (the
// contract). kafkajs ships the same hash built on a 64-bit Long emulation, which cost about a tenth
// of the main thread's time per response; this one is plain 32-bit arithmetic, checked against it.

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit integer. */
export function murmur2 (data: Uint8Array): number {
  const length = data.length
  let h = (SEED ^ length) | 0
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = (data[i4] as number) | ((data[i4 + 1] as number) << 8) | ((data[i4 + 2] as number) << 16) | ((data[i4 + 3] as number) << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // The Java switch's fall-through over the last 1 to 3 bytes.
  const tail = length & ~3
  const rest = length & 3
  if (rest === 3) h ^= (data[tail + 2] as number) << 16
  if (rest >= 2) h ^= (data[tail + 1] as number) << 8
  if (rest >= 1) {
    h ^= data[tail] as number
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** The partition of a keyed record among `partitions` (the Java client's default partitioner). */
export function partitionForKey (key: Buffer | string, partitions: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key
  return (murmur2(bytes) & 0x7fffffff) % partitions
}
