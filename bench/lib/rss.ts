// Resident memory of this process, worker threads included (they share the process): sampled with
// process.memoryUsage.rss() on a timer, plus the kernel's own high-water mark (VmHWM, Linux) as a
// cross-check that no short peak fell between two samples.

import { readFileSync } from 'node:fs'

export class RssSampler {
  #timer: NodeJS.Timeout | undefined
  #peak = 0
  #samples = 0

  start (everyMs = 20): void {
    this.sample()
    this.#timer = setInterval(() => this.sample(), everyMs)
    this.#timer.unref()
  }

  sample (): number {
    const rss = process.memoryUsage.rss()
    if (rss > this.#peak) this.#peak = rss
    this.#samples++
    return rss
  }

  stop (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.sample()
  }

  get peak (): number { return this.#peak }
  get samples (): number { return this.#samples }
}

/** The kernel's peak resident set size of this process in bytes (Linux), else undefined. */
export function kernelPeakRss (): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024
  } catch {
    return undefined
  }
}
