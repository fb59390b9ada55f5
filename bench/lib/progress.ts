// One progress line on stderr (stdout stays clean for the table): rewritten in place on a terminal,
// a plain line at most every few seconds otherwise (CI logs).

export class Progress {
  readonly #tty = process.stderr.isTTY === true
  #lastPlain = 0
  #shown = false

  update (text: string): void {
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 120) - 1)}`)
      this.#shown = true
      return
    }
    const now = Date.now()
    if (now - this.#lastPlain < 5000) return
    this.#lastPlain = now
    process.stderr.write(text + '\n')
  }

  /** Ends the progress line and prints a permanent one. */
  log (text: string): void {
    this.clear()
    process.stderr.write(text + '\n')
    this.#lastPlain = 0
  }

  clear (): void {
    if (this.#tty && this.#shown) process.stderr.write('\r\x1b[2K')
    this.#shown = false
  }
}
