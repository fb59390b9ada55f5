// bench:size --quick against the real broker: the smoke test the quick mode exists for. What it
// measures is not asserted (a shared machine); that every run processed the whole backlog, answered
// every event, stayed within its max_in_flight, and that the recommendation is one of the swept values
// and the config line printed, is.
import t from 'tap'
import { runBenchTool, topicExists } from '../helpers/bench.js'

interface SizeJson {
  options: { events: number, sweep: number[] }
  backlog: { topic: string, events: number }
  runs: Array<{ maxInFlight: number, throughput: number, peakRssMb: number, responses: number, result: { finished: number, failed: number, timedOut: boolean, metrics: { max_concurrent_events: number } } }>
  recommendation: { value: number, config: string }
}

t.test('bench:size --quick sweeps, answers every event and recommends a swept value', async t => {
  const run = await runBenchTool('size')
  t.equal(run.code, 0, `exit code (stderr: ${run.stderr.slice(-2000)})`)
  const json = run.json as SizeJson
  t.same(json.runs.map(r => r.maxInFlight), json.options.sweep, 'one run per swept value, in order')
  t.equal(json.backlog.events, json.options.events)
  for (const r of json.runs) {
    t.equal(r.result.finished, json.options.events, `max_in_flight ${r.maxInFlight}: every event finished`)
    t.equal(r.responses, json.options.events, `max_in_flight ${r.maxInFlight}: a response per event on the response topic`)
    t.equal(r.result.failed, 0)
    t.notOk(r.result.timedOut)
    t.ok(r.result.metrics.max_concurrent_events <= r.maxInFlight, `max_in_flight ${r.maxInFlight}: at most that many events at once (${r.result.metrics.max_concurrent_events})`)
    t.ok(r.throughput > 0 && r.peakRssMb > 0, 'throughput and peak RSS measured')
  }
  t.ok(json.options.sweep.includes(json.recommendation.value), `recommended ${json.recommendation.value}, a swept value`)
  t.equal(json.recommendation.config, `KAFKA_MAX_IN_FLIGHT=${json.recommendation.value}`)
  t.match(run.stdout, json.recommendation.config, 'the config line is printed')
  t.ok(run.files.some(f => f.endsWith('.svg')), 'an SVG chart is written')
  t.match(run.svg, /^<svg[\s\S]*<\/svg>\s*$/, 'a whole SVG document')

  t.notOk(await topicExists(json.backlog.topic), 'the backlog topic is deleted at the end')
})
