// When to stop pulling data from Kafka. Fetched events that cannot run yet (no free slot, or an earlier
// event of the same ordering lane still running) wait in the scheduler's queue. When that queue
// reaches the high-water mark, in events or in bytes, every assigned partition is paused so that
// nothing more is fetched into memory; they are resumed only once the queue has drained to the
// low-water mark. The gap between the two marks keeps pause/resume from flapping on every event.
//
// The memory held by fetched events is therefore bounded by
//   maxInFlight events (running) + highWater events (queued) + one fetch response (kafkajs hands over
//   the batch in hand even after pause()), see README.md#memory.

export interface Watermarks {
  readonly highEvents: number
  readonly lowEvents: number
  /** 0 = no byte marks. */
  readonly highBytes: number
  readonly lowBytes: number
}

export interface QueueLevel {
  readonly events: number
  readonly bytes: number
}

export function watermarks (opts: {
  maxInFlight: number
  maxInFlightBytes: number
  queueHighWater?: number
  queueLowWater?: number
}): Watermarks {
  const highEvents = Math.max(1, opts.queueHighWater || opts.maxInFlight)
  const lowEvents = opts.queueLowWater !== undefined && opts.queueLowWater > 0
    ? Math.min(opts.queueLowWater, highEvents - 1)
    : Math.floor(highEvents / 2)
  const highBytes = opts.maxInFlightBytes
  const lowBytes = Math.floor(highBytes / 2)
  return { highEvents, lowEvents, highBytes, lowBytes }
}

/** Whether partitions should be paused, given whether they are paused now (hysteresis). */
export function shouldPause (paused: boolean, level: QueueLevel, marks: Watermarks): boolean {
  const bytesOn = marks.highBytes > 0
  if (!paused) {
    return level.events >= marks.highEvents || (bytesOn && level.bytes >= marks.highBytes)
  }
  const drained = level.events <= marks.lowEvents && (!bytesOn || level.bytes <= marks.lowBytes)
  return !drained
}
