// A FIFO with O(1) push and shift. Array#shift is O(n), and the fetch queue can hold thousands of
// events when a large fetch lands just before a pause.
export class Deque<T> {
  #items: Array<T | undefined>
  #head = 0

  constructor (items: T[] = []) {
    this.#items = items
  }

  get length (): number { return this.#items.length - this.#head }

  push (item: T): void { this.#items.push(item) }

  peek (): T | undefined { return this.#items[this.#head] }

  shift (): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    // Compact once the dead prefix dominates, so memory follows the live length.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Removes every item for which `drop` is true; returns them in order. */
  remove (drop: (item: T) => boolean): T[] {
    const kept: T[] = []
    const removed: T[] = []
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i] as T
      if (drop(item)) removed.push(item)
      else kept.push(item)
    }
    this.#items = kept
    this.#head = 0
    return removed
  }

  * [Symbol.iterator] (): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T
  }
}
