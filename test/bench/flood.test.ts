// bench:flood --quick against the real broker: a flood of 64 KiB events never holds more than
// max_in_flight events, nor more value bytes than the byte budget allows, and each run really faced a
// flood (it ended with most of the backlog still waiting). Peak RSS is measured, not asserted.
import t from 'tap'
import { runBenchTool, topicExists } from '../helpers/bench.js'

interface FloodJson {
  options: { payloadBytes: number }
  backlog: { topic: string }
  runs: Array<{ name: string, maxInFlight: number, maxInFlightBytes: number, flooded: boolean, result: { failed: number, rss: { peakMb: number }, metrics: { max_concurrent_events: number, events_failed: number } } }>
  growth: { ratio: number, largePeaksMb: number[], smallPeaksMb: number[] }
}

t.test('bench:flood --quick: in flight stays within max_in_flight and the byte budget', async t => {
  // Fewer configurations than --quick alone (which compares 1, 10 and 100, two growth pairs): the
  // invariants are the same for each, and the suite's time is shared. Two threads whatever the host:
  // 2 × 50 events/s of 20 ms each leave most of even the small backlog (400) waiting after the 2 s
  // window, so each run is a flood on a 64-core host too.
  const run = await runBenchTool('flood', ['--max-in-flight', '1,100', '--growth-rounds', '1', '--threads', '2'])
  t.equal(run.code, 0, `exit code (stderr: ${run.stderr.slice(-2000)})`)
  const json = run.json as FloodJson
  t.ok(json.runs.length >= 5, `${json.runs.length} runs: max_in_flight 1 and 100, two byte budgets, a ten times smaller backlog`)
  for (const r of json.runs) {
    t.ok(r.flooded, `${r.name}: a flood (most of the backlog still waiting at the end)`)
    t.equal(r.result.failed, 0, `${r.name}: none failed`)
    t.ok(r.result.metrics.max_concurrent_events <= r.maxInFlight, `${r.name}: at most ${r.maxInFlight} events at once (${r.result.metrics.max_concurrent_events})`)
    if (r.maxInFlightBytes > 0) {
      // An event larger than the budget runs alone; otherwise the budget bounds the events at once.
      const fit = Math.max(1, Math.floor(r.maxInFlightBytes / json.options.payloadBytes))
      t.ok(r.result.metrics.max_concurrent_events <= fit, `${r.name}: at most ${fit} events of ${json.options.payloadBytes} B in a budget of ${r.maxInFlightBytes} B`)
    }
    t.ok(r.result.rss.peakMb > 0, `${r.name}: peak RSS measured`)
  }
  t.notOk(await topicExists(json.backlog.topic), 'the backlog topic is deleted at the end')
  t.ok(json.growth.largePeaksMb.length > 0 && json.growth.smallPeaksMb.length > 0 && json.growth.ratio > 0, 'growth against a ten times smaller backlog measured')
})
