// Responses and dead letters leave through here. An event counts as finished only when its record is
// acknowledged by the broker, so `publish()` resolves on the ack and never gives up on its own: a
// failed send is retried with backoff, holding the event's offset back (the old service dropped such
// responses silently). Only close() abandons what is left; those events stay uncommitted and are
// delivered again after a restart.
//
// Records queued while a send is in flight go out together in the next send: one request per broker
// for many events, and never two sends racing (the idempotent producer keeps order per partition).

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

export class Publisher {
  readonly #opts: PublisherOptions
  readonly #maxBatchBytes: number
  #queue: Pending[] = []
  #sending = false
  #failures = 0
  #retryTimer: NodeJS.Timeout | undefined
  #closed = false
  #idleWaiters: Array<() => void> = []

  constructor (opts: PublisherOptions) {
    this.#opts = opts
    this.#maxBatchBytes = opts.maxBatchBytes ?? 512 * 1024
  }

  publish (record: OutgoingRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new PublisherClosedError())
    return new Promise<void>((resolve, reject) => {
      const bytes = typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length
      this.#queue.push({ record, bytes, resolve, reject })
      this.#flush()
    })
  }

  /** Records waiting or being sent. */
  get pending (): number { return this.#queue.length }

  /** Consecutive failed sends (0 when the last send worked). */
  get failures (): number { return this.#failures }

  #flush (): void {
    if (this.#sending || this.#retryTimer !== undefined || this.#queue.length === 0 || this.#closed) return
    let bytes = 0
    let n = 0
    while (n < this.#queue.length) {
      const next = (this.#queue[n] as Pending).bytes
      if (n > 0 && bytes + next > this.#maxBatchBytes) break
      bytes += next
      n++
    }
    const batch = this.#queue.slice(0, n)
    this.#sending = true
    this.#opts.send(batch.map(p => p.record)).then(() => {
      this.#failures = 0
      if (this.#closed) return
      this.#queue.splice(0, batch.length)
      for (const p of batch) p.resolve()
    }, (err: Error) => {
      if (this.#closed) return
      this.#failures++
      const delay = Math.min(this.#opts.backoffMaxMs, this.#opts.backoffMs * 2 ** Math.min(this.#failures - 1, 16))
      this.#opts.logger.error({ err, records: batch.length, topics: [...new Set(batch.map(p => p.record.topic))], retryInMs: delay },
        'publish failed; the events stay uncommitted and the send is retried')
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined
        this.#flush()
      }, delay)
    }).finally(() => {
      this.#sending = false
      if (this.#queue.length === 0 || this.#closed) this.#idleWaiters.splice(0).forEach(w => w())
      this.#flush()
    })
  }

  /** Resolves when nothing is queued or in flight. */
  async idle (): Promise<void> {
    if (this.#queue.length === 0 && !this.#sending) return
    await new Promise<void>(resolve => this.#idleWaiters.push(resolve))
  }

  /**
   * Abandons everything not yet acknowledged, including a send in flight (it may still land: the
   * event then stays uncommitted and is answered twice, which at-least-once allows; waiting for it
   * could outlast the shutdown deadline when the broker is gone).
   */
  close (): void {
    this.#closed = true
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    for (const p of this.#queue.splice(0)) p.reject(new PublisherClosedError())
    this.#idleWaiters.splice(0).forEach(w => w())
  }
}
