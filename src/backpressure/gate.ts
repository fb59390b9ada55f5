// The gate is the service's one backpressure: a counting semaphore of `maxInFlight` slots with an
// optional byte budget beside the count.
//
// What it counts: events that hold a slot. An event takes a slot just before it is handed to the worker
// pool and gives it back when it is finished (its response or dead letter acknowledged by the broker)
// or abandoned (partition revoked, shutdown deadline). Worker crash, timeout and retries happen while
// the slot is held, so a slot can never leak past the event's end.
//
// Byte budget: an event may take a slot only while `inFlightBytes + its size <= maxInFlightBytes`; an
// event larger than the whole budget takes a slot only when nothing else is in flight, so it runs
// alone and never deadlocks.
//
// Wait accounting follows the old service's metric names (../README.md#metrics): an event that finds no
// free slot counts once in `maxInFlightReached`, and the time until it gets one adds to
// `totalWaitMs`. Pausing Kafka partitions is not decided here but by ./pause-policy.ts from the queue
// that builds up behind the gate.

export interface GateOptions {
  readonly maxInFlight: number
  /** 0 = no byte budget. */
  readonly maxInFlightBytes: number
}

export interface GateSnapshot {
  readonly inFlight: number
  readonly inFlightBytes: number
  readonly maxConcurrent: number
  readonly maxInFlightReached: number
  readonly totalWaitMs: number
  readonly maxInFlight: number
  readonly maxInFlightBytes: number
}

export class Gate {
  readonly maxInFlight: number
  readonly maxInFlightBytes: number
  #inFlight = 0
  #inFlightBytes = 0
  #maxConcurrent = 0
  #reached = 0
  #totalWaitMs = 0
  /** Slot ids not in use; a slot id indexes the worker pool's shared start-time table. */
  readonly #free: number[]

  constructor (options: GateOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be an integer >= 1, got ${options.maxInFlight}`)
    }
    if (!Number.isInteger(options.maxInFlightBytes) || options.maxInFlightBytes < 0) {
      throw new RangeError(`maxInFlightBytes must be an integer >= 0, got ${options.maxInFlightBytes}`)
    }
    this.maxInFlight = options.maxInFlight
    this.maxInFlightBytes = options.maxInFlightBytes
    this.#free = Array.from({ length: options.maxInFlight }, (_, i) => options.maxInFlight - 1 - i)
  }

  /** Whether an event of `bytes` could take a slot now. */
  canAcquire (bytes: number): boolean {
    if (this.#inFlight >= this.maxInFlight) return false
    if (this.maxInFlightBytes === 0 || this.#inFlight === 0) return true
    return this.#inFlightBytes + bytes <= this.maxInFlightBytes
  }

  /** Takes a slot for an event of `bytes`; returns its slot id, or undefined when none is free. */
  tryAcquire (bytes: number): number | undefined {
    if (!this.canAcquire(bytes)) return undefined
    const slot = this.#free.pop() as number
    this.#inFlight++
    this.#inFlightBytes += bytes
    if (this.#inFlight > this.#maxConcurrent) this.#maxConcurrent = this.#inFlight
    return slot
  }

  release (slot: number, bytes: number): void {
    if (this.#inFlight === 0) throw new Error('gate: release without a matching acquire')
    this.#inFlight--
    this.#inFlightBytes -= bytes
    this.#free.push(slot)
  }

  /** An event found no free slot (count it once per event). */
  noteBlocked (): void { this.#reached++ }

  /** A blocked event got its slot after waiting `ms`. */
  noteWaited (ms: number): void { this.#totalWaitMs += ms }

  get inFlight (): number { return this.#inFlight }
  get inFlightBytes (): number { return this.#inFlightBytes }

  snapshot (): GateSnapshot {
    return {
      inFlight: this.#inFlight,
      inFlightBytes: this.#inFlightBytes,
      maxConcurrent: this.#maxConcurrent,
      maxInFlightReached: this.#reached,
      totalWaitMs: this.#totalWaitMs,
      maxInFlight: this.maxInFlight,
      maxInFlightBytes: this.maxInFlightBytes
    }
  }
}

/**
 * The old service's derived figures: average wait per event that waited, and waits per 100 finished
 * events. With 5 waits totalling 250 ms over 10 finished events: 50 ms and 50 %.
 */
export function backpressureFigures (blocked: number, totalWaitMs: number, finished: number): { avgWaitMs: number, percentage: number } {
  return {
    avgWaitMs: blocked === 0 ? 0 : totalWaitMs / blocked,
    percentage: finished === 0 ? 0 : (blocked / finished) * 100
  }
}
