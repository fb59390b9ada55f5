// What every bench command shares: option parsing helpers, the output folder, the environment the
// figures were taken in, and cleanup of the broker-side state on exit or Ctrl-C.

import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, freemem, loadavg, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { packageRoot } from './root.js'
import { killChildren } from './child.js'
import type { BenchKafka } from './kafka.js'

/** A usage error: one line naming the problem, exit code 2 (no stack trace). */
export function fail (message: string): never {
  console.error(`error: ${message} (see --help)`)
  process.exit(2)
}

/** Runs option parsing; whatever it throws (an unknown flag, a bad value) is a usage error. */
export function parseCli<T> (parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err))
  }
}

/** String options every bench command takes (each documents them in its --help). */
const COMMON = ['brokers', 'out', 'seed', 'timeout-s', 'threads', 'partitions'] as const
type Common = typeof COMMON[number]
type Options<S extends string, B extends string> = { readonly [k in S | Common]?: string } & { readonly [k in B | 'quick']?: boolean }

/**
 * Parses the command line: the common options, --quick and -h/--help, plus the command's own string
 * and boolean options. --help prints `help` and exits 0; anything unknown is a usage error.
 */
export function parseOptions<S extends string, B extends string = never> (help: string, strings: readonly S[], booleans: readonly B[] = []): Options<S, B> {
  const options: Record<string, { type: 'string' | 'boolean', short?: string }> = { help: { type: 'boolean', short: 'h' }, quick: { type: 'boolean' } }
  for (const name of [...COMMON, ...strings]) options[name] = { type: 'string' }
  for (const name of booleans) options[name] = { type: 'boolean' }
  const { values } = parseCli(() => parseArgs({ options, strict: true, allowPositionals: false }))
  if (values.help === true) {
    console.log(help)
    process.exit(0)
  }
  return values as Options<S, B>
}

export function positiveInt (name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min} (got "${text}")`)
  return n
}

export function nonNegative (name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a number ≥ 0 (got "${text}")`)
  return n
}

export function intList (name: string, text: string | undefined, fallback: readonly number[]): number[] {
  if (text === undefined) return [...fallback]
  const list = text.split(',').map(s => s.trim()).filter(Boolean).map(Number)
  if (list.length === 0 || list.some(n => !Number.isInteger(n) || n < 1)) fail(`--${name} must be a comma-separated list of integers ≥ 1 (got "${text}")`)
  return [...new Set(list)].sort((a, b) => a - b)
}

/** "65536", "64k", "2m", "1g" (binary units) → bytes. */
export function bytesOf (name: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim())
  if (m === null) fail(`--${name}: "${text}" is not a size (e.g. 65536, 64k, 2m)`)
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g']
  return Math.round(Number(m[1]) * unit)
}

export function ordering (text: string | undefined): 'key' | 'partition' | 'unordered' {
  const v = text ?? 'key'
  if (v !== 'key' && v !== 'partition' && v !== 'unordered') fail('--ordering must be key, partition or unordered')
  return v
}

export function environment (): Record<string, unknown> {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memory_total_mb: Math.round(totalmem() / 1024 / 1024),
    memory_free_mb: Math.round(freemem() / 1024 / 1024),
    load_average_1m_at_start: Number(loadavg()[0]?.toFixed(2)),
    started_at: new Date().toISOString()
  }
}

/** The environment taken at the start, completed at the end (a busy machine shows in the load). */
export function environmentAtEnd (start: Record<string, unknown>): Record<string, unknown> {
  return { ...start, load_average_1m_at_end: Number(loadavg()[0]?.toFixed(2)), ended_at: new Date().toISOString() }
}

/** Writes a result file into the output folder (bench/results/ by default); returns its path. */
export function writeResult (dir: string | undefined, name: string, content: string): string {
  const folder = dir ?? join(packageRoot(), 'bench', 'results')
  mkdirSync(folder, { recursive: true })
  const path = join(folder, name)
  writeFileSync(path, content)
  return relative(process.cwd(), path) || path
}

export function stamp (): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '')
}

/**
 * Runs the bench body, then always deletes what it created on the broker; Ctrl-C kills the child
 * process of the run in progress and cleans up too. Exit code 1 on an error.
 */
export async function withCleanup (kafka: BenchKafka, body: () => Promise<void>): Promise<void> {
  let interrupted = false
  const onSignal = (): void => {
    if (interrupted) process.exit(130)
    interrupted = true
    process.stderr.write('\ninterrupted: stopping the run and deleting the bench topics (Ctrl-C again to leave them)\n')
    killChildren()
    void kafka.cleanup().finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let failed = false
  try {
    await body()
  } catch (err) {
    failed = true
    killChildren()
    process.stderr.write(`\nbench failed: ${err instanceof Error ? err.message : String(err)}\n`)
  } finally {
    if (!interrupted) {
      const problems = await kafka.cleanup()
      for (const p of problems) process.stderr.write(`cleanup: ${p}\n`)
    }
  }
  if (failed) process.exitCode = 1
}
