// Responses and dead letters leave through here. An event counts as finished only when its record is
// acknowledged by the broker, so `publish()` resolves on the ack and never gives up on its own: a
// failed send is retried with backoff, holding the event's offset back (the old service dropped such
// responses silently). Only close() abandons what is left; those events stay uncommitted and are
// delivered again after a restart.
//
// Records queue per topic; those queued while a topic's send is in flight go out together in its next
// send: one request for many events, and never two sends of a topic racing. A topic that cannot be
// written (a missing dead-letter topic, say) backs off alone and does not hold up the others.

import type { Logger } from 'pino'
import type { OutgoingRecord } from '../consumer/kafka-client.js'

export interface PublisherOptions {
  readonly send: (records: readonly OutgoingRecord[]) => Promise<void>
  readonly logger: Logger
  readonly backoffMs: number
  readonly backoffMaxMs: number
  /** A send carries at most this many bytes of values (brokers cap a request's record batch). */
  readonly maxBatchBytes?: number
}

interface Pending {
  readonly record: OutgoingRecord
  readonly bytes: number
  resolve (): void
  reject (err: Error): void
}

export class PublisherClosedError extends Error {
  constructor () {
    super('publisher closed before the record was acknowledged')
    this.name = 'PublisherClosedError'
  }
}

/** One topic's queue: a topic that cannot be written (e.g. a missing dead-letter topic) backs off alone. */
class TopicLane {
  queue: Pending[] = []
  sending = false
  failures = 0
  retryTimer: NodeJS.Timeout | undefined
}

export class Publisher {
  readonly #opts: PublisherOptions
  readonly #maxBatchBytes: number
  readonly #lanes = new Map<string, TopicLane>()
  #closed = false

  constructor (opts: PublisherOptions) {
    this.#opts = opts
    this.#maxBatchBytes = opts.maxBatchBytes ?? 512 * 1024
  }

  publish (record: OutgoingRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new PublisherClosedError())
    return new Promise<void>((resolve, reject) => {
      const bytes = typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length
      let lane = this.#lanes.get(record.topic)
      if (lane === undefined) this.#lanes.set(record.topic, lane = new TopicLane())
      lane.queue.push({ record, bytes, resolve, reject })
      this.#flush(lane)
    })
  }

  /** Records waiting or being sent. */
  get pending (): number {
    let n = 0
    for (const lane of this.#lanes.values()) n += lane.queue.length
    return n
  }

  /** Consecutive failed sends of the worst topic (0 when every topic's last send worked). */
  get failures (): number {
    let worst = 0
    for (const lane of this.#lanes.values()) worst = Math.max(worst, lane.failures)
    return worst
  }

  #flush (lane: TopicLane): void {
    if (lane.sending || lane.retryTimer !== undefined || lane.queue.length === 0 || this.#closed) return
    let bytes = 0
    let n = 0
    while (n < lane.queue.length) {
      const next = (lane.queue[n] as Pending).bytes
      if (n > 0 && bytes + next > this.#maxBatchBytes) break
      bytes += next
      n++
    }
    const batch = lane.queue.slice(0, n)
    lane.sending = true
    this.#opts.send(batch.map(p => p.record)).then(() => {
      lane.failures = 0
      if (this.#closed) return
      lane.queue.splice(0, batch.length)
      for (const p of batch) p.resolve()
    }, (err: Error) => {
      if (this.#closed) return
      lane.failures++
      const delay = Math.min(this.#opts.backoffMaxMs, this.#opts.backoffMs * 2 ** Math.min(lane.failures - 1, 16))
      this.#opts.logger.error({ err, topic: batch[0]?.record.topic, records: batch.length, attempt: lane.failures, retryInMs: delay },
        'publish failed; the events stay uncommitted and the send is retried')
      lane.retryTimer = setTimeout(() => {
        lane.retryTimer = undefined
        this.#flush(lane)
      }, delay)
    }).finally(() => {
      lane.sending = false
      this.#flush(lane)
    })
  }

  /**
   * Abandons everything not yet acknowledged, including a send in flight (it may still land: the
   * event then stays uncommitted and is answered twice, which at-least-once allows; waiting for it
   * could outlast the shutdown deadline when the broker is gone).
   */
  close (): void {
    this.#closed = true
    for (const lane of this.#lanes.values()) {
      if (lane.retryTimer !== undefined) clearTimeout(lane.retryTimer)
      lane.retryTimer = undefined
      for (const p of lane.queue.splice(0)) p.reject(new PublisherClosedError())
    }
  }
}
