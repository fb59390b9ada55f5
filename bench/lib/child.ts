// Runs one scenario in a fresh child process (bench/lib/runner.ts) and returns its result. Children
// still running when the bench is interrupted are killed by killChildren().

import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RunnerMessage } from './runner.js'
import type { ProgressReport, ScenarioConfig, ScenarioResult } from './scenarios.js'

const RUNNER = fileURLToPath(new URL('./runner.js', import.meta.url))
const children = new Set<ChildProcess>()

export function runInChild (config: ScenarioConfig, onProgress?: (p: ProgressReport) => void): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    // The child does not inherit the parent's flags (e.g. a heap size for the parent); it gets those of
    // BENCH_CHILD_NODE_ARGS instead, for instance "--cpu-prof --cpu-prof-dir=prof" to profile every run
    // (flags NODE_OPTIONS refuses).
    const execArgv = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
    const child = fork(RUNNER, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    children.add(child)
    let settled = false
    // A backstop beyond the child's own timeout: start-up, stop and reporting included.
    const killer = setTimeout(() => { child.kill('SIGKILL') }, config.timeoutMs + (config.windowMs ?? 0) + 60_000)
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(killer)
      fn()
    }
    child.on('message', (m: RunnerMessage) => {
      if (m.type === 'progress') onProgress?.(m)
      else if (m.type === 'result') settle(() => resolve(m.result as ScenarioResult))
      else settle(() => reject(new Error(`${config.kind} run failed in its child process:\n${m.message}`)))
    })
    child.on('exit', (code, signal) => {
      children.delete(child)
      settle(() => reject(new Error(`${config.kind} run: child process exited (${signal ?? `code ${code}`}) without a result`)))
    })
    child.send(config)
  })
}

export function killChildren (): void {
  for (const c of children) c.kill('SIGKILL')
}
