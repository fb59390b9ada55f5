// Child-process entry of one bench run (bench/lib/child.ts forks it): receives a ScenarioConfig over
// IPC, reports progress every 250 ms, sends the result and exits.

import { runScenario, type ScenarioConfig } from './scenarios.js'

export type RunnerMessage =
  | { readonly type: 'progress', readonly done: number, readonly target: number, readonly rssMb: number, readonly elapsedMs: number }
  | { readonly type: 'result', readonly result: unknown }
  | { readonly type: 'error', readonly message: string }

function send (message: RunnerMessage): Promise<void> {
  return new Promise(resolve => {
    if (process.send === undefined) { resolve(); return }
    process.send(message, undefined, {}, () => resolve())
  })
}

process.once('message', (config: ScenarioConfig) => {
  runScenario(config, p => { void send({ type: 'progress', ...p }) }).then(
    async result => { await send({ type: 'result', result }); process.exit(0) },
    async (err: unknown) => { await send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) }); process.exit(1) }
  )
})
