// Runs `node dist/main.js` as users run it (npm run build first: tests launch what dist/ holds) and
// reads its JSON log lines as they come, so a test can wait on a line (a latch) instead of sleeping.
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Readable } from 'node:stream'

export const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

export interface Exit { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

export type LogLine = Record<string, unknown> & { level?: string, msg?: string }

export interface Service {
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  /** Resolves when the process exits; rejects (after SIGKILL) past the launch's timeout. */
  readonly exited: Promise<Exit>
  stdout (): string
  /** Every stdout line that parsed as JSON, in order. */
  lines (): LogLine[]
  /** The first log line matching `match`, waiting for it; rejects if the process exits first. */
  waitForLine (match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>
}

/**
 * Starts the service with exactly `env` (plus PATH, and HTTP_PORT=0 so that parallel test files never
 * fight over a port): nothing leaks in from the caller's environment, NODE_ENV included.
 */
export function launchService (env: Record<string, string>, opts: { args?: string[], timeoutMs?: number } = {}): Service {
  const child = spawn(process.execPath, [mainJs, ...(opts.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  let exit: Exit | undefined
  const listeners = new Set<() => void>()
  const notify = (): void => { for (const l of [...listeners]) l() }
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); notify() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const lines = (): LogLine[] => stdout.split('\n').flatMap(l => {
    if (!l.startsWith('{')) return []
    try { return [JSON.parse(l) as LogLine] } catch { return [] } // the last line may be incomplete
  })
  const exited = new Promise<Exit>((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 120_000
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`service still running after ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMs)
    // 'close' rather than 'exit': stdout is read to its end, so the last log lines are in `stdout`.
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      exit = { code, signal, stdout, stderr }
      notify()
      resolve(exit)
    })
  })
  exited.catch(() => {}) // reported to whoever awaits it; never an unhandled rejection
  return {
    child,
    exited,
    stdout: () => stdout,
    lines,
    waitForLine: async (match, timeoutMs = 60_000) => await new Promise<LogLine>((resolve, reject) => {
      const check = (): void => {
        const found = lines().find(match)
        if (found !== undefined) done(() => resolve(found))
        else if (exit !== undefined) done(() => reject(new Error(`service exited (${exit?.code}) before the awaited log line; stdout:\n${stdout}\nstderr:\n${stderr}`)))
      }
      const timer = setTimeout(() => done(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`))), timeoutMs)
      const done = (f: () => void): void => { clearTimeout(timer); listeners.delete(check); f() }
      listeners.add(check)
      check()
    })
  }
}

/** The port of the HTTP endpoint, from the service's "http endpoint listening" line (HTTP_PORT=0). */
export async function httpPort (service: Service): Promise<number> {
  const line = await service.waitForLine(l => typeof l.msg === 'string' && l.msg.startsWith('http endpoint listening'))
  return line.port as number
}
