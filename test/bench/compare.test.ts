// bench:compare --quick against the real broker: every alternative of every workload processes the
// whole backlog and every ratio is computed. The ratios themselves are measurements, not asserted.
import t from 'tap'
import { runBenchTool } from '../helpers/bench.js'

interface CompareJson {
  workloads: Array<{ name: string, events: number }>
  results: Record<string, Record<string, { throughput: number, runs: Array<{ finished: number, failed: number, timedOut: boolean }> }>>
  goals: Array<{ workload: string, ratio: string, value: number | null, goal: number | null, met: boolean | null }>
}

const VARIANTS: Record<string, string[]> = {
  cpu5: ['service', 'inline', 'pool'],
  noop: ['service', 'inline', 'pool', 'bare']
}

t.test('bench:compare --quick runs every alternative over the whole backlog (cpu5, noop)', async t => {
  // cpu5 and noop: every alternative (validate adds only (a1), the service with one thread, and its
  // handler runs in the bench:size smoke test); the suite's time is shared.
  const run = await runBenchTool('compare', ['--workloads', 'cpu5,noop'])
  t.equal(run.code, 0, `exit code (stderr: ${run.stderr.slice(-2000)})`)
  const json = run.json as CompareJson
  t.same(json.workloads.map(w => w.name), ['cpu5', 'noop'])
  for (const w of json.workloads) {
    t.same(Object.keys(json.results[w.name] ?? {}).sort(), [...(VARIANTS[w.name] ?? [])].sort(), `${w.name}: every alternative ran`)
    for (const [variant, figures] of Object.entries(json.results[w.name] ?? {})) {
      for (const r of figures.runs) {
        t.equal(r.finished, w.events, `${w.name} ${variant}: every event finished`)
        t.equal(r.failed, 0, `${w.name} ${variant}: none failed`)
        t.notOk(r.timedOut)
      }
      t.ok(figures.throughput > 0, `${w.name} ${variant}: throughput measured`)
    }
  }
  const goals = json.goals.filter(g => g.goal !== null)
  t.same(goals.map(g => `${g.workload} ${g.ratio}`), ['cpu5 (a)/(b)', 'cpu5 (a)/(c)', 'noop (a)/(d)'], 'the goals of the issue are reported')
  for (const g of json.goals) {
    t.ok(typeof g.value === 'number' && g.value > 0, `${g.workload} ${g.ratio} computed`)
    t.equal(g.met === null, g.goal === null, `${g.workload} ${g.ratio}: met/not met only where there is a goal`)
  }
  t.match(run.stdout, /noop\s+\(a\)\/\(d\) = /, 'the no-op ratio is printed')
})
