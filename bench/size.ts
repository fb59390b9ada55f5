// bench:size: size max_in_flight by measurement on this host, against the real broker.
//
// Preloads a backlog, then for each max_in_flight runs the real IntelligenceKafkaConsumer over the whole
// backlog (a fresh consumer group and response topic per run, each run in a child process of its own
// so that its RSS starts from zero) and measures throughput, end-to-end latency, backpressure, peak
// RSS and CPU. Prints a table and a recommendation, writes JSON and an SVG chart to bench/results/.
//
//   npm run bench:size -- --quick                       (smoke test: seconds)
//   npm run bench:size -- --memory-budget-mb 512 --verify

import { availableParallelism } from 'node:os'
import { runInChild } from './lib/child.js'
import { environment, environmentAtEnd, fail, intList, nonNegative, ordering, parseCli, parseOptions, positiveInt, stamp, withCleanup, writeResult } from './lib/cli.js'
import { BenchKafka, brokersFrom, runId } from './lib/kafka.js'
import { Progress } from './lib/progress.js'
import { recommend, type Recommendation } from './lib/recommend.js'
import type { ScenarioConfig, ScenarioResult } from './lib/scenarios.js'
import { fmt, summarize, type Summary } from './lib/stats.js'
import { lineChart } from './lib/svg.js'
import { formatTable } from './lib/table.js'
import { describeWorkload, parseMix, requestAt, type Workload } from './lib/workload.js'

const HELP = `npm run bench:size -- [options]        (or: node dist/bench/size.js [options])

Preloads a backlog on the broker, runs the service over it once per max_in_flight value and recommends
the smallest value within 5% of the best throughput whose peak RSS fits --memory-budget-mb.

Workload
  --workload validate|cpu   validate: the real validate handler over bench/corpus (default);
                            cpu: the synthetic bench_cpu handler
  --mix small=80,medium=18,large=2
                            validate size mix (weights): small = one corpus file (50-100 lines),
                            medium = 500 lines, large = 5,000 lines
  --cpu-ms N                cpu: CPU cost per event in ms (default 5; 0 = no-op)
  --payload-bytes N         pad every request value to at least N bytes (default 0: no padding)
  --events N                backlog size; every run processes all of it (default 2000, quick 200)

Sweep
  --max-in-flight LIST      values to try (default 1,2,4,8,16,32,64,128; quick 1,4,16)
  --memory-budget-mb N      peak RSS the recommended value must fit (default: no budget)
  --rounds N                sweeps to run (default 1): each value's figures are those of its
                            median run by throughput, its peak RSS the highest of its runs. Worth 3 on
                            a busy host, where one noisy run can make the recommendation
  --verify                  run the recommended value again (--rounds times) and compare with the
                            prediction
  --threads N               worker threads (default: os.availableParallelism() = ${availableParallelism()})
  --ordering key|partition|unordered   (default key)
  --partitions N            partitions of the request topic (default 3)
  --warmup F                share of the events left out of the throughput window (default 0.05)

Other
  --quick                   smoke test in seconds: 200 events, max_in_flight 1,4,16
  --brokers LIST            bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)
  --out DIR                 where the JSON and SVG go (default bench/results/)
  --seed N                  seed of the backlog's content (default 1)
  --timeout-s N             give up on one run after N s (default 600)
  -h, --help                this text

Topics and consumer groups are named bench-<random>-... and deleted at the end (also on Ctrl-C).`

const args = parseOptions(HELP, ['workload', 'mix', 'cpu-ms', 'payload-bytes', 'events', 'max-in-flight', 'memory-budget-mb', 'ordering', 'warmup', 'rounds'], ['verify'])

const quick = args.quick === true
const kind = args.workload ?? 'validate'
if (kind !== 'validate' && kind !== 'cpu') fail('--workload must be validate or cpu')
const payloadBytes = positiveInt('payload-bytes', args['payload-bytes'], 0, 0)
const workload: Workload = kind === 'cpu'
  ? { kind: 'cpu', cpuMs: nonNegative('cpu-ms', args['cpu-ms'], 5), payloadBytes }
  : { kind: 'validate', mix: parseCli(() => parseMix(args.mix ?? 'small=80,medium=18,large=2')), payloadBytes }
const events = positiveInt('events', args.events, quick ? 200 : 2000, 2)
const sweep = intList('max-in-flight', args['max-in-flight'], quick ? [1, 4, 16] : [1, 2, 4, 8, 16, 32, 64, 128])
const rounds = positiveInt('rounds', args.rounds, 1)
const budgetMb = args['memory-budget-mb'] === undefined ? Number.POSITIVE_INFINITY : nonNegative('memory-budget-mb', args['memory-budget-mb'], 0)
const threads = positiveInt('threads', args.threads, 0, 0)
const partitions = positiveInt('partitions', args.partitions, 3)
const warmup = nonNegative('warmup', args.warmup, 0.05)
if (warmup >= 0.5) fail('--warmup must be below 0.5')
const seed = positiveInt('seed', args.seed, 1, 0)
const timeoutMs = positiveInt('timeout-s', args['timeout-s'], 600) * 1000
const cores = availableParallelism()

interface Row {
  readonly maxInFlight: number
  readonly throughput: number
  readonly e2eMs: Summary
  readonly serviceMs: Summary | undefined
  readonly backpressurePct: number
  readonly avgWaitMs: number
  readonly peakRssMb: number
  readonly kernelPeakRssMb: number | null
  /** Share of all cores kept busy in the throughput window, % (100 = every core all the time). */
  readonly cpuPct: number
  readonly responses: number
  readonly result: ScenarioResult
  /** Throughput of each round, when there were several (the row is the median one). */
  readonly roundThroughputs?: readonly number[]
}

/** One row per value out of several rounds: the median run by throughput, with the highest peak RSS
 * of all (the memory budget must hold on the worst run). */
function medianRow (runs: readonly Row[]): Row {
  if (runs.length === 1) return runs[0] as Row
  const sorted = [...runs].sort((a, b) => a.throughput - b.throughput)
  const mid = sorted[Math.floor((sorted.length - 1) / 2)] as Row
  return {
    ...mid,
    peakRssMb: Math.max(...runs.map(r => r.peakRssMb)),
    roundThroughputs: runs.map(r => r.throughput)
  }
}

const kafka = new BenchKafka(brokersFrom(args.brokers))
const progress = new Progress()

const env = environment()

await withCleanup(kafka, async () => {
  const id = runId()
  const topic = `bench-${id}-size-req`
  await kafka.createTopics([topic, `${topic}.dlq`], partitions)

  // ── the backlog ─────────────────────────────────────────────────────────────────────────────────
  const requestTs = new Map<string, number>()
  progress.log(`bench:size  ${describeWorkload(workload)}; backlog ${events} events on ${topic} (${partitions} partitions); ${cores} cores`)
  const produced = await kafka.produce(topic, partitions, events, i => requestAt(workload, seed, i), {
    onSent: (_, r, ts) => requestTs.set(r.key, ts),
    onProgress: (sent, bytes) => progress.update(`preloading backlog: ${sent}/${events} events, ${(bytes / 1048576).toFixed(1)} MiB`)
  })
  progress.log(`backlog: ${events} events, ${(produced.bytes / 1048576).toFixed(1)} MiB (avg ${(produced.bytes / events / 1024).toFixed(1)} KiB) in ${(produced.ms / 1000).toFixed(1)} s`)

  // ── one run ─────────────────────────────────────────────────────────────────────────────────────
  let runNo = 0
  const runOnce = async (maxInFlight: number, label: string): Promise<Row> => {
    runNo++
    const responseTopic = `bench-${id}-size-resp-${runNo}`
    await kafka.createTopics([responseTopic], partitions)
    const config: ScenarioConfig = {
      kind: 'service',
      brokers: kafka.brokers,
      topic,
      responseTopic,
      groupId: kafka.group(`bench-${id}-size-${runNo}-m${maxInFlight}`),
      workload,
      seed,
      target: events,
      warmupFraction: warmup,
      maxInFlight,
      maxInFlightBytes: 0,
      threads,
      ordering: ordering(args.ordering),
      timeoutMs
    }
    const result = await runInChild(config, p => progress.update(
      `${label} max_in_flight=${maxInFlight}: ${p.done}/${events} events, ` +
      `${(p.done / Math.max(p.elapsedMs / 1000, 0.001)).toFixed(0)} ev/s incl. start-up, RSS ${p.rssMb.toFixed(0)} MB, ${(p.elapsedMs / 1000).toFixed(1)} s`))
    progress.update(`${label} max_in_flight=${maxInFlight}: reading responses back for latency`)
    const responses = await kafka.readTimestamps(responseTopic)
    // End-to-end: request record timestamp → response record timestamp. Every run re-reads the same
    // preloaded backlog, so the clock starts at the later of the produce time and the moment the
    // consumer was up (pool ready, group joined): otherwise a run would be charged for earlier runs
    // and for start-up.
    const latencies: number[] = []
    for (const [key, ts] of responses) {
      const sent = requestTs.get(key)
      if (sent !== undefined) latencies.push(ts - Math.max(sent, result.startEpochMs))
    }
    const m = result.metrics
    const row: Row = {
      maxInFlight,
      throughput: result.steady.perSecond,
      e2eMs: summarize(latencies),
      serviceMs: result.serviceMs,
      backpressurePct: m?.backpressure_percentage ?? Number.NaN,
      avgWaitMs: m?.avg_backpressure_wait_ms ?? Number.NaN,
      peakRssMb: result.rss.peakMb,
      kernelPeakRssMb: result.rss.kernelPeakMb,
      cpuPct: (100 * result.steady.coresBusy) / cores,
      responses: responses.size,
      result
    }
    const warn = result.timedOut ? `  TIMED OUT after ${timeoutMs / 1000} s` : ''
    const lost = responses.size < events ? `  (${responses.size}/${events} responses, ${result.failed} dead letters)` : ''
    progress.log(`${label} max_in_flight=${maxInFlight}: ${fmt(row.throughput)} events/s, e2e p99 ${fmt(row.e2eMs.p99, 0)} ms, ` +
      `peak RSS ${fmt(row.peakRssMb, 0)} MB, CPU ${fmt(row.cpuPct, 0)}%${warn}${lost}`)
    return row
  }

  // Whole sweeps one after the other, so that a slow spell of a shared host spreads over the values.
  const runs: Row[][] = sweep.map(() => [])
  for (let r = 0; r < rounds; r++) {
    for (const [i, m] of sweep.entries()) {
      const label = rounds === 1 ? `[${i + 1}/${sweep.length}]` : `[round ${r + 1}/${rounds}, ${i + 1}/${sweep.length}]`
      runs[i]?.push(await runOnce(m, label))
    }
  }
  const rows = runs.map(medianRow)
  progress.clear()

  // ── report ──────────────────────────────────────────────────────────────────────────────────────
  const rec = recommend(rows.map(r => ({ maxInFlight: r.maxInFlight, throughput: r.throughput, peakRssMb: r.peakRssMb })), budgetMb)
  console.log()
  console.log(`max_in_flight sweep: ${describeWorkload(workload)}; ${events} events; ${threads || cores} worker threads on ${cores} cores` +
    (rounds > 1 ? `; median of ${rounds} rounds per value` : ''))
  console.log()
  console.log(formatTable(
    ['max_in_flight', 'events/s', 'e2e p50 ms', 'e2e p95 ms', 'e2e p99 ms', 'in-svc p50 ms', 'in-svc p99 ms', 'backpressure %', 'avg wait ms', 'peak RSS MB', 'CPU %'],
    rows.map(r => [
      String(r.maxInFlight) + (r.maxInFlight === rec.value ? ' *' : ''),
      fmt(r.throughput), fmt(r.e2eMs.p50, 0), fmt(r.e2eMs.p95, 0), fmt(r.e2eMs.p99, 0),
      fmt(r.serviceMs?.p50, 1), fmt(r.serviceMs?.p99, 1),
      fmt(r.backpressurePct), fmt(r.avgWaitMs, 1), fmt(r.peakRssMb, 0), fmt(r.cpuPct, 0)
    ])))
  console.log()
  console.log('events/s: steady rate, the first ' + `${(warmup * 100).toFixed(0)}% of the events (start-up, JIT) left out.`)
  console.log('e2e: request record timestamp (or the moment the consumer was up, if later) → response record timestamp; a backlog')
  console.log('     drain, so it is dominated by the time an event waited in the backlog. in-svc: slot taken → response')
  console.log('     acknowledged by the broker; it grows with max_in_flight once the cores are busy (queueing in the pool).')
  console.log(`backpressure %, avg wait: getMetrics(). peak RSS: whole process, worker threads included. CPU %: of ${cores} cores.`)
  console.log()
  let verify: { maxInFlight: number, predicted: number, measured: number, ratio: number, row: Row } | undefined
  printRecommendation(rec)
  if (args.verify === true && rec.value !== undefined) {
    // As many runs as each swept value had: a median against a median.
    const again: Row[] = []
    for (let r = 0; r < rounds; r++) again.push(await runOnce(rec.value, rounds === 1 ? '[verify]' : `[verify ${r + 1}/${rounds}]`))
    const row = medianRow(again)
    progress.clear()
    const ratio = row.throughput / rec.predicted
    verify = { maxInFlight: rec.value, predicted: rec.predicted, measured: row.throughput, ratio, row }
    console.log(`verify: max_in_flight=${rec.value} ran again at ${fmt(row.throughput)} events/s${rounds > 1 ? ` (median of ${rounds})` : ''}; predicted ${fmt(rec.predicted)}: ` +
      `ratio ${ratio.toFixed(3)} (${Math.abs(1 - ratio) <= 0.1 ? 'within' : 'NOT within'} 10%)`)
  } else if (args.verify === true) {
    console.log('verify: skipped, nothing was recommended')
  }

  // ── files ───────────────────────────────────────────────────────────────────────────────────────
  const when = stamp()
  const json = writeResult(args.out, `size-${when}.json`, JSON.stringify({
    tool: 'bench:size',
    environment: environmentAtEnd(env),
    options: { workload, events, sweep, rounds, budgetMb: Number.isFinite(budgetMb) ? budgetMb : null, threads: threads || cores, partitions, ordering: ordering(args.ordering), warmup, seed, quick },
    backlog: { topic, events, bytes: produced.bytes, produceMs: produced.ms },
    runs: rows,
    recommendation: { ...rec, config: rec.value === undefined ? null : `KAFKA_MAX_IN_FLIGHT=${rec.value}` },
    verify: verify ?? null
  }, (_, v: unknown) => typeof v === 'number' && !Number.isFinite(v) ? null : v, 2))
  const svg = writeResult(args.out, `size-${when}.svg`, lineChart({
    title: 'Throughput and peak RSS against max_in_flight',
    subtitle: `${describeWorkload(workload)}; ${events} events; ${threads || cores} threads, ${cores} cores; ${new Date().toISOString().slice(0, 16)}Z`,
    xLabel: 'max_in_flight (log2 scale)',
    xTicks: rows.map(r => r.maxInFlight),
    leftLabel: 'throughput (events/s)',
    rightLabel: 'peak RSS (MB)',
    series: [
      { name: 'throughput, events/s', color: '#1f77b4', axis: 'left', points: rows.map(r => ({ x: r.maxInFlight, y: r.throughput })) },
      { name: 'peak RSS, MB', color: '#d62728', axis: 'right', points: rows.map(r => ({ x: r.maxInFlight, y: r.peakRssMb })) }
    ],
    ...(rec.value !== undefined ? { markX: { x: rec.value, label: `recommended: ${rec.value}` } } : {}),
    hLines: [
      ...(rec.best !== undefined ? [{ axis: 'left' as const, y: rec.best.throughput * 0.95, label: '95% of best', color: '#1f77b4' }] : []),
      ...(Number.isFinite(budgetMb) ? [{ axis: 'right' as const, y: budgetMb, label: `memory budget ${budgetMb} MB`, color: '#d62728' }] : [])
    ]
  }))
  console.log()
  console.log(`wrote ${json} and ${svg}`)
})

function printRecommendation (rec: Recommendation): void {
  console.log(`recommendation: ${rec.reason}`)
  if (rec.value === undefined) {
    console.log('no config line: raise --memory-budget-mb, try smaller values, or lower the per-event memory (byte budget)')
    return
  }
  console.log(`  predicted throughput ${fmt(rec.predicted)} events/s`)
  if (rec.stillRising) {
    const top = rec.best?.maxInFlight ?? 1
    console.log(`  throughput still rose from the second largest value swept to the largest (${top}): sweep larger values too,`)
    console.log(`  e.g. --max-in-flight ${[top, top * 2, top * 4, top * 8].join(',')} (quick handlers hold a slot mostly while their response is acknowledged)`)
  }
  console.log()
  console.log(`KAFKA_MAX_IN_FLIGHT=${rec.value}`)
  console.log()
}
