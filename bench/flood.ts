// bench:flood: peak RSS of the service under a flood of large events, against max_in_flight, against the
// byte budget, and against a backlog ten times smaller. The claim under test: memory is bounded by
// max_in_flight (or the byte budget) + the queue's high-water mark + one fetch response, never by the
// size of the backlog.
//
// The service does not drain the backlog (100k × 64 KiB would take the better part of an hour at
// 20 ms per event on two cores): each configuration runs for a fixed window (--window-s, default 20 s)
// from the moment the consumer is up, in a child process of its own, and its peak RSS over start-up
// and that window is what is compared. Every configuration must still have a backlog left at the end
// of its window (checked), or it would not be a flood.
//
//   npm run bench:flood -- --quick

import { statfsSync, existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from './lib/root.js'
import { runInChild } from './lib/child.js'
import { bytesOf, environment, environmentAtEnd, intList, nonNegative, ordering, parseOptions, positiveInt, stamp, withCleanup, writeResult } from './lib/cli.js'
import { BenchKafka, brokersFrom, runId } from './lib/kafka.js'
import { Progress } from './lib/progress.js'
import type { ScenarioConfig, ScenarioResult } from './lib/scenarios.js'
import { fmt, median, ratio } from './lib/stats.js'
import { formatTable } from './lib/table.js'
import { describeWorkload, requestAt, type Workload } from './lib/workload.js'

const HELP = `npm run bench:flood -- [options]        (or: node dist/bench/flood.js [options])

Preloads a backlog of large events, then runs the service for a fixed window per configuration and
reports its peak RSS: against max_in_flight, against the byte budget (maxInFlightBytes), and with a
backlog ten times smaller (the growth ratio should stay near 1).

  --backlog N              events preloaded (default 100000; quick 4000). 100k × 64 KiB is 6.4 GB
                           on the broker's disk: the tool checks the free space first (--kafka-data-dir)
  --payload-bytes N        size of every request value (default 64k)
  --cpu-ms N               CPU cost of the slow handler per event, ms (default 20)
  --window-s N             how long each configuration processes, from when the consumer is up
                           (default 20; quick 2)
  --max-in-flight LIST     values to compare without a byte budget (default 1,10,100)
  --budgets LIST           byte budgets to compare (default 512k,2m,8m) ...
  --budget-max-in-flight N ... at this max_in_flight (default 100)
  --growth-max-in-flight N the backlog-size comparison runs at this max_in_flight (default 100)
  --small-factor N         the smaller backlog is the backlog ÷ N (default 10)
  --growth-rounds N        pairs of (backlog, backlog ÷ N) runs; medians compared (default 3; quick 2)
  --threads N              worker threads (default: os.availableParallelism() = ${availableParallelism()})
  --partitions N           partitions of the request topic (default 3)
  --kafka-data-dir DIR     the broker's log dir, for the free-space check (default .kafka/data of the
                           package when it exists, else the current folder)
  --quick                  smoke test: backlog 4000 (256 MiB), 2 s windows, budgets 512k,2m
  --brokers LIST           bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)
  --out DIR                where the JSON goes (default bench/results/)
  --seed N                 seed of the backlog's content (default 1)
  --timeout-s N            give up on one configuration after N s (default 600)
  -h, --help               this text`

const args = parseOptions(HELP, ['backlog', 'payload-bytes', 'cpu-ms', 'window-s', 'max-in-flight', 'budgets', 'budget-max-in-flight', 'growth-max-in-flight', 'small-factor', 'growth-rounds', 'kafka-data-dir'])

const quick = args.quick === true
const backlog = positiveInt('backlog', args.backlog, quick ? 4000 : 100_000, 10)
const payloadBytes = bytesOf('payload-bytes', args['payload-bytes'] ?? '64k')
const cpuMs = nonNegative('cpu-ms', args['cpu-ms'], 20)
const windowMs = nonNegative('window-s', args['window-s'], quick ? 2 : 20) * 1000
const mifList = intList('max-in-flight', args['max-in-flight'], [1, 10, 100])
const budgets = (args.budgets ?? (quick ? '512k,2m' : '512k,2m,8m')).split(',').map(s => s.trim()).filter(Boolean).map(s => bytesOf('budgets', s))
const budgetMif = positiveInt('budget-max-in-flight', args['budget-max-in-flight'], 100)
const growthMif = positiveInt('growth-max-in-flight', args['growth-max-in-flight'], 100)
const smallFactor = positiveInt('small-factor', args['small-factor'], 10, 2)
const growthRounds = positiveInt('growth-rounds', args['growth-rounds'], quick ? 2 : 3)
const threads = positiveInt('threads', args.threads, 0, 0)
const partitions = positiveInt('partitions', args.partitions, 3)
const seed = positiveInt('seed', args.seed, 1, 0)
const timeoutMs = positiveInt('timeout-s', args['timeout-s'], 600) * 1000
const cores = availableParallelism()
const workload: Workload = { kind: 'cpu', cpuMs, payloadBytes }
const MiB = 1024 * 1024

function kib (bytes: number): string {
  return bytes >= MiB ? `${+(bytes / MiB).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(0)} KiB`
}

// ── free disk ─────────────────────────────────────────────────────────────────────────────────────
// The broker keeps the whole backlog on disk until the topic is deleted. Require twice its size free
// (indexes, the response topic, other users of the disk, the broker's deferred file deletion).
const root = packageRoot()
const dataDir = args['kafka-data-dir'] ?? (existsSync(join(root, '.kafka', 'data')) ? join(root, '.kafka', 'data') : process.cwd())
const backlogBytes = backlog * payloadBytes
{
  const fs = statfsSync(dataDir)
  const free = fs.bavail * fs.bsize
  if (backlogBytes * 2 > free) {
    const fits = Math.floor(free / 2 / payloadBytes)
    console.error(`bench:flood: a backlog of ${backlog} × ${kib(payloadBytes)} = ${(backlogBytes / 1e9).toFixed(1)} GB needs about ` +
      `${(2 * backlogBytes / 1e9).toFixed(1)} GB free under ${dataDir}, which has ${(free / 1e9).toFixed(1)} GB. Use --backlog ${fits} or less ` +
      '(or --kafka-data-dir if the broker keeps its data elsewhere).')
    process.exit(2)
  }
  console.error(`disk: backlog ${(backlogBytes / 1e9).toFixed(2)} GB; ${(free / 1e9).toFixed(1)} GB free under ${dataDir}`)
}

interface Row {
  readonly name: string
  readonly group: 'max_in_flight' | 'byte budget' | 'backlog size'
  readonly maxInFlight: number
  readonly maxInFlightBytes: number
  readonly lag: number
  readonly result: ScenarioResult
  /** The window ended with the backlog (lag) still not drained: a real flood. */
  readonly flooded: boolean
}

const kafka = new BenchKafka(brokersFrom(args.brokers))
const progress = new Progress()

const env = environment()

await withCleanup(kafka, async () => {
  const id = runId()
  const topic = `bench-${id}-flood-req`
  const responseTopic = `bench-${id}-flood-resp`
  await kafka.createTopics([topic, `${topic}.dlq`, responseTopic], partitions)
  progress.log(`bench:flood  ${describeWorkload(workload)}; backlog ${backlog} events (${(backlogBytes / 1e9).toFixed(2)} GB); ` +
    `${windowMs / 1000} s per configuration; ${threads || cores} threads on ${cores} cores`)
  const produced = await kafka.produce(topic, partitions, backlog, i => requestAt(workload, seed, i), {
    chunkBytes: 4 * MiB,
    onProgress: (sent, bytes) => progress.update(`preloading backlog: ${sent}/${backlog} events, ${(bytes / MiB).toFixed(0)} MiB`)
  })
  progress.log(`backlog: ${backlog} events, ${(produced.bytes / MiB).toFixed(0)} MiB in ${(produced.ms / 1000).toFixed(1)} s ` +
    `(${(produced.bytes / MiB / (produced.ms / 1000)).toFixed(0)} MiB/s)`)
  const ends = await kafka.endOffsets(topic)

  const rows: Row[] = []
  let runNo = 0
  const run = async (name: string, group: Row['group'], maxInFlight: number, maxInFlightBytes: number, lag: number): Promise<Row> => {
    runNo++
    const groupId = kafka.group(`bench-${id}-flood-${runNo}`)
    if (lag < backlog) {
      // A smaller backlog on the same topic: the group starts `lag` events before the end.
      const per = Math.ceil(lag / ends.size)
      await kafka.setGroupOffsets(groupId, topic, new Map([...ends].map(([p, high]) => [p, high - BigInt(Math.min(per, Number(high)))])))
    }
    const config: ScenarioConfig = {
      kind: 'service',
      brokers: kafka.brokers,
      topic,
      responseTopic,
      groupId,
      workload,
      seed,
      target: 0,
      windowMs,
      warmupFraction: 0,
      maxInFlight,
      maxInFlightBytes,
      threads,
      ordering: ordering(undefined),
      timeoutMs
    }
    const result = await runInChild(config, p => progress.update(
      `${name}: ${p.done} events, RSS ${p.rssMb.toFixed(0)} MB, ${(p.elapsedMs / 1000).toFixed(1)} s`))
    const row: Row = { name, group, maxInFlight, maxInFlightBytes, lag, result, flooded: result.finished < 0.9 * lag }
    progress.log(`${name}: ${result.steady.events} events in the window (${result.finished} with those drained at stop), peak RSS ${fmt(result.rss.peakMb, 0)} MB` +
      (row.flooded ? '' : `  WARNING: the backlog of ${lag} was (nearly) drained: not a flood, lengthen --backlog or shorten --window-s`))
    return row
  }

  for (const m of mifList) rows.push(await run(`max_in_flight=${m}`, 'max_in_flight', m, 0, backlog))
  for (const b of budgets) rows.push(await run(`max_in_flight=${budgetMif}, budget ${kib(b)}`, 'byte budget', budgetMif, b, backlog))
  // The growth comparison: pairs of (full backlog, backlog ÷ N) runs at the same max_in_flight, the
  // order alternating; the ratio of the medians is reported (RSS moves by ±10 MB from run to run).
  const smallLag = Math.max(1, Math.floor(backlog / smallFactor))
  const largeRuns: Row[] = rows.filter(r => r.group === 'max_in_flight' && r.maxInFlight === growthMif).slice(0, 1)
  const smallRuns: Row[] = []
  for (let r = 0; r < growthRounds; r++) {
    const runLarge = async (): Promise<void> => {
      if (largeRuns.length > r) return
      const row = await run(`max_in_flight=${growthMif}, backlog ${backlog}`, 'backlog size', growthMif, 0, backlog)
      largeRuns.push(row)
      rows.push(row)
    }
    const runSmall = async (): Promise<void> => {
      const row = await run(`max_in_flight=${growthMif}, backlog ÷ ${smallFactor}`, 'backlog size', growthMif, 0, smallLag)
      smallRuns.push(row)
      rows.push(row)
    }
    if (r % 2 === 0) { await runSmall(); await runLarge() } else { await runLarge(); await runSmall() }
  }
  progress.clear()

  // ── report ──────────────────────────────────────────────────────────────────────────────────────
  console.log()
  console.log(`flood: ${describeWorkload(workload)}; ${windowMs / 1000} s of processing per configuration; ${threads || cores} worker threads on ${cores} cores`)
  console.log()
  console.log(formatTable(
    ['configuration', 'backlog', 'in window', 'events/s', 'RSS at start MB', 'peak RSS MB', 'kernel peak MB', 'max concurrent', 'pauses', 'flood'],
    rows.map(r => [
      r.name, String(r.lag), String(r.result.steady.events), fmt(r.result.steady.perSecond),
      fmt(r.result.rss.startMb, 0), fmt(r.result.rss.peakMb, 0), fmt(r.result.rss.kernelPeakMb ?? Number.NaN, 0),
      String(r.result.metrics?.max_concurrent_events ?? '-'), String(r.result.metrics?.pauses ?? '-'), r.flooded ? 'yes' : 'NO'
    ])))
  console.log()
  const largePeak = median(largeRuns.map(r => r.result.rss.peakMb))
  const smallPeak = median(smallRuns.map(r => r.result.rss.peakMb))
  const growth = ratio(largePeak, smallPeak)
  const growthPct = (growth - 1) * 100
  console.log(`peak RSS with a ${smallFactor}× larger backlog (${backlog} vs ${smallLag} events, max_in_flight ${growthMif}, ` +
    `median of ${largeRuns.length} vs ${smallRuns.length} runs): ${fmt(largePeak, 0)} MB vs ${fmt(smallPeak, 0)} MB, growth ratio ${fmt(growth, 3)} ` +
    `(${growthPct >= 0 ? '+' : ''}${fmt(growthPct, 1)}%; goal ≤ +10%: ${growthPct <= 10 ? 'met' : 'NOT met'})`)
  console.log('peak RSS: sampled every 20 ms from the child process start (pool start-up included) to the end of the window;')
  console.log('kernel peak: VmHWM of the child, its whole life (stop included). RSS at start: before the consumer started.')
  const json = writeResult(args.out, `flood-${stamp()}.json`, JSON.stringify({
    tool: 'bench:flood',
    environment: environmentAtEnd(env),
    options: { backlog, payloadBytes, cpuMs, windowMs, maxInFlight: mifList, budgets, budgetMaxInFlight: budgetMif, growthMaxInFlight: growthMif, smallFactor, threads: threads || cores, partitions, seed, quick, dataDir },
    backlog: { topic, events: backlog, bytes: produced.bytes, produceMs: produced.ms },
    runs: rows,
    growth: {
      maxInFlight: growthMif,
      largeBacklog: backlog,
      smallBacklog: smallLag,
      largePeaksMb: largeRuns.map(r => r.result.rss.peakMb),
      smallPeaksMb: smallRuns.map(r => r.result.rss.peakMb),
      largePeakMedianMb: largePeak,
      smallPeakMedianMb: smallPeak,
      ratio: growth
    }
  }, (_, v: unknown) => typeof v === 'number' && !Number.isFinite(v) ? null : v, 2))
  console.log()
  console.log(`wrote ${json}`)
})
