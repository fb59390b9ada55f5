// At-least-once bookkeeping per partition. Events of a partition finish out of order (key ordering,
// retries, several workers); the offset we may commit is the first one not yet finished, so a crash
// resumes there and skips nothing. Committing the highest finished offset instead is the classic bug
// (kafka-go #202).
//
// Offsets are bigint: Kafka offsets are int64 and kafkajs hands them over as strings for that reason.

interface Entry { readonly offset: bigint, done: boolean }

class PartitionTrack {
  /** Tracked offsets in fetch order (ascending); finished ones are popped from the front. */
  readonly entries: Entry[] = []
  head = 0
  readonly byOffset = new Map<bigint, Entry>()
  /** Highest offset seen + 1: the next offset the fetch should bring. */
  next: bigint | undefined
  /** Last offset committed (the next offset to consume, Kafka's meaning), if any. */
  committed: bigint | undefined

  /** The commit position: the first unfinished offset, or `next` when all seen are finished. */
  position (): bigint | undefined {
    const first = this.entries[this.head]
    return first !== undefined ? first.offset : this.next
  }
}

export class OffsetTracker {
  readonly #partitions = new Map<string, PartitionTrack>()

  /** Starts tracking a partition (on assignment); a no-op when already tracked. */
  assign (tp: string): void {
    if (!this.#partitions.has(tp)) this.#partitions.set(tp, new PartitionTrack())
  }

  /** Forgets a partition (revoked): late results for it are then ignored by `finish`. */
  revoke (tp: string): void {
    this.#partitions.delete(tp)
  }

  owns (tp: string): boolean { return this.#partitions.has(tp) }

  /**
   * Records a fetched offset. Returns false when the offset was already tracked: after a rebalance
   * kafkajs rewinds kept partitions to the committed offset and delivers again what is still in
   * flight or finished-but-uncommitted here; those must not run twice.
   */
  track (tp: string, offset: bigint): boolean {
    const p = this.#partitions.get(tp)
    if (p === undefined) return false
    if (p.next !== undefined && offset < p.next) return false
    p.next = offset + 1n
    const entry = { offset, done: false }
    p.entries.push(entry)
    p.byOffset.set(offset, entry)
    return true
  }

  /** Marks an offset finished. Returns false when the partition or offset is not tracked (revoked). */
  finish (tp: string, offset: bigint): boolean {
    const p = this.#partitions.get(tp)
    const entry = p?.byOffset.get(offset)
    if (p === undefined || entry === undefined) return false
    entry.done = true
    p.byOffset.delete(offset)
    while (p.head < p.entries.length && (p.entries[p.head] as Entry).done) p.head++
    if (p.head > 256 && p.head * 2 > p.entries.length) {
      p.entries.splice(0, p.head)
      p.head = 0
    }
    return true
  }

  /** Offsets worth committing now: partitions whose commit position moved past the last commit. */
  commitable (): Array<{ tp: string, offset: bigint }> {
    const out: Array<{ tp: string, offset: bigint }> = []
    for (const [tp, p] of this.#partitions) {
      const pos = p.position()
      if (pos !== undefined && (p.committed === undefined || pos > p.committed)) out.push({ tp, offset: pos })
    }
    return out
  }

  /** Records a successful commit (ignored for partitions no longer owned). */
  committed (tp: string, offset: bigint): void {
    const p = this.#partitions.get(tp)
    if (p !== undefined && (p.committed === undefined || offset > p.committed)) p.committed = offset
  }

  /** Events tracked but not finished, per partition and in total. */
  pending (tp?: string): number {
    if (tp !== undefined) {
      const p = this.#partitions.get(tp)
      return p === undefined ? 0 : p.entries.length - p.head
    }
    let n = 0
    for (const p of this.#partitions.values()) n += p.entries.length - p.head
    return n
  }

  /** Per partition: last committed offset and the current commit position. */
  describe (): Array<{ tp: string, committed: bigint | undefined, position: bigint | undefined, pending: number }> {
    return [...this.#partitions].map(([tp, p]) => ({
      tp, committed: p.committed, position: p.position(), pending: p.entries.length - p.head
    }))
  }

  partitions (): string[] { return [...this.#partitions.keys()] }
}
