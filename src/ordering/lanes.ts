// Ordering lanes decide which fetched events may start now. Every event belongs to at most one lane;
// at most one event of a lane is ready or running at a time, the rest wait behind it in offset order.
//
//   key        lane = partition + message key: same key in offset order, different keys in parallel
//              (as Confluent's Parallel Consumer does). Events without a key have no order to keep and
//              run in parallel.
//   partition  lane = partition: one event at a time per partition.
//   unordered  no lanes: any event may run as soon as a slot is free.
//
// Lanes are scoped to one assignment of a partition (the caller's `partitionOf` includes the assignment
// epoch), so a late completion from before a rebalance can never release a lane of the new owner.

import { Deque } from '../util/deque.js'

export type Ordering = 'key' | 'partition' | 'unordered'

export interface Orderable {
  /** The partition, scoped to its assignment epoch. */
  readonly partitionRef: string
  /** The message key as a binary string, or null. */
  readonly key: string | null
  readonly bytes: number
  /** Its lane, computed once by `Lanes.enqueue` (callers leave it unset). */
  lane?: string | undefined
}

export function laneOf (ordering: Ordering, event: Orderable): string | undefined {
  switch (ordering) {
    case 'unordered': return undefined
    case 'partition': return event.partitionRef
    case 'key': return event.key === null ? undefined : `${event.partitionRef}\u0000${event.key}`
  }
}

export class Lanes<E extends Orderable> {
  readonly ordering: Ordering
  /** Events allowed to start, in arrival order. */
  readonly #ready = new Deque<E>()
  /** A lane is present while one of its events is ready or running; the deque holds those behind it,
   * and is only made when one waits (with keys that rarely repeat, most lanes never hold a second). */
  readonly #lanes = new Map<string, Deque<E> | null>()
  #queued = 0
  #queuedBytes = 0

  constructor (ordering: Ordering) {
    this.ordering = ordering
  }

  /** Adds a fetched event; returns true when it is ready at once (its lane was free). */
  enqueue (event: E): boolean {
    this.#queued++
    this.#queuedBytes += event.bytes
    const lane = event.lane = laneOf(this.ordering, event)
    if (lane === undefined) {
      this.#ready.push(event)
      return true
    }
    const waiting = this.#lanes.get(lane)
    if (waiting === undefined) {
      this.#lanes.set(lane, null)
      this.#ready.push(event)
      return true
    }
    if (waiting === null) this.#lanes.set(lane, new Deque<E>([event]))
    else waiting.push(event)
    return false
  }

  /** The next event allowed to start, without removing it. */
  peekReady (): E | undefined { return this.#ready.peek() }

  /** Removes the next ready event: it is now running and still holds its lane. */
  startNext (): E | undefined {
    const event = this.#ready.shift()
    if (event !== undefined) {
      this.#queued--
      this.#queuedBytes -= event.bytes
    }
    return event
  }

  /** A running event finished: the next event of its lane becomes ready and is returned. */
  finish (event: E): E | undefined {
    const lane = event.lane
    if (lane === undefined) return undefined
    const waiting = this.#lanes.get(lane)
    const next = waiting?.shift()
    if (waiting == null || next === undefined) {
      // Nobody waits: the lane is free.
      this.#lanes.delete(lane)
      return undefined
    }
    if (waiting.length === 0) this.#lanes.set(lane, null)
    this.#ready.push(next)
    return next
  }

  /** Drops every queued (not running) event of a partition, e.g. on revocation; returns them. */
  removePartition (partitionRef: string): E[] {
    const removed = this.#ready.remove(e => e.partitionRef === partitionRef)
    for (const [lane, waiting] of this.#lanes) {
      // Lane names start with their partitionRef (see laneOf), and the NUL separator keeps `t:1#2`
      // from matching `t:1#20`.
      if (lane === partitionRef || lane.startsWith(partitionRef + '\u0000')) {
        if (waiting !== null) removed.push(...waiting)
        this.#lanes.delete(lane)
      }
    }
    for (const e of removed) {
      this.#queued--
      this.#queuedBytes -= e.bytes
    }
    return removed
  }

  /** Events fetched but not started (ready or waiting behind their lane), and their bytes. */
  level (): { events: number, bytes: number } {
    return { events: this.#queued, bytes: this.#queuedBytes }
  }

  get readyCount (): number { return this.#ready.length }
}
