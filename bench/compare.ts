// bench:compare: the service against the alternatives, same workload, same machine, one run.
//
//   (a) service  the IntelligenceKafkaConsumer (Kafka → gate → worker pool → responses on Kafka)
//   (a1)         the same with a pool of 1 thread (validate only): (a)/(a1) is the scaling over cores
//   (b) inline   a plain kafkajs consumer running the same handler on the main thread in eachMessage and
//                sending each response before it returns (what users write first)
//   (c) pool     the same WorkerPool fed directly from memory, no Kafka (the ceiling of the pool)
//   (d) bare     a kafkajs consume loop with a no-op eachMessage (the ceiling of the client)
//
// Workloads: cpu5 (bench_cpu 5 ms), validate (the real handler over bench/corpus), noop (cpu_ms 0).
// Every figure is the median of --rounds rounds; each run is a child process of its own, and the order
// of the alternatives rotates from round to round so that none always runs first or last.
//
//   npm run bench:compare -- --quick

import { availableParallelism } from 'node:os'
import { runInChild } from './lib/child.js'
import { environment, environmentAtEnd, fail, ordering, parseCli, parseOptions, positiveInt, stamp, withCleanup, writeResult } from './lib/cli.js'
import { BenchKafka, brokersFrom, runId } from './lib/kafka.js'
import { Progress } from './lib/progress.js'
import type { ScenarioConfig, ScenarioKind, ScenarioResult } from './lib/scenarios.js'
import { fmt, median, ratio } from './lib/stats.js'
import { formatTable } from './lib/table.js'
import { describeWorkload, parseMix, requestAt, type Workload } from './lib/workload.js'

const HELP = `npm run bench:compare -- [options]        (or: node dist/bench/compare.js [options])

Runs, per workload, (a) the service, (b) a plain kafkajs consumer with the handler inline on the main
thread, (c) the worker pool fed without Kafka, for the validate workload (a1) the service with one
worker thread and, for the no-op workload, (d) a bare kafkajs consume loop; prints the median events/s
of each and the ratios (a)/(b), (a)/(c), (a)/(a1), (a)/(d).

  --workloads LIST      any of cpu5,validate,noop (default all three)
  --rounds N            rounds per figure, the median is reported (default 3; quick 1)
  --events-cpu5 N       backlog of the cpu5 workload (default 2000; quick 300)
  --events-validate N   backlog of the validate workload (default 1000; quick 150)
  --events-noop N       backlog of the no-op workload (default 40000; quick 3000)
  --mix small=80,medium=18,large=2   validate size mix (see bench:size --help)
  --max-in-flight N     max_in_flight of (a) and tasks in flight of (c), one value for every workload,
                        or per workload: cpu5=64,validate=64,noop=512 (the default). A quick event
                        holds its slot mostly while its response is sent and acknowledged, so the
                        no-op needs many more slots to keep the cores busy (Little's law; measured
                        with bench:size --workload cpu --cpu-ms 0; see README, Sizing max_in_flight)
  --threads N           worker threads of (a) and (c) (default: os.availableParallelism() = ${availableParallelism()})
  --partitions N        partitions of each request topic (default 3)
  --ordering key|partition|unordered   ordering of (a) (default key)
  --warmup F            share of the events left out of the throughput window (default 0.05)
  --quick               smoke test: small backlogs, one round
  --brokers LIST        bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)
  --out DIR             where the JSON goes (default bench/results/)
  --seed N              seed of the backlogs' content (default 1)
  --timeout-s N         give up on one run after N s (default 600)
  -h, --help            this text`

const args = parseOptions(HELP, ['workloads', 'rounds', 'events-cpu5', 'events-validate', 'events-noop', 'mix', 'max-in-flight', 'ordering', 'warmup'])

const quick = args.quick === true
const cores = availableParallelism()
const rounds = positiveInt('rounds', args.rounds, quick ? 1 : 3)
type WorkloadName = 'cpu5' | 'validate' | 'noop'
const maxInFlight = parseCli(() => maxInFlightPerWorkload(args['max-in-flight']))
const threads = positiveInt('threads', args.threads, 0, 0)
const partitions = positiveInt('partitions', args.partitions, 3)
const warmup = Number(args.warmup ?? 0.05)
if (!(warmup >= 0 && warmup < 0.5)) fail('--warmup must be in [0, 0.5)')
const seed = positiveInt('seed', args.seed, 1, 0)
const timeoutMs = positiveInt('timeout-s', args['timeout-s'], 600) * 1000

/** What is run: a scenario kind, or 'service1', the service with a pool of one thread. */
type Variant = ScenarioKind | 'service1'
interface Case { readonly name: WorkloadName, readonly workload: Workload, readonly events: number, readonly kinds: readonly Variant[] }
const ALL: Record<WorkloadName, () => Case> = {
  cpu5: () => ({ name: 'cpu5', workload: { kind: 'cpu', cpuMs: 5, payloadBytes: 0 }, events: positiveInt('events-cpu5', args['events-cpu5'], quick ? 300 : 2000, 20), kinds: ['service', 'inline', 'pool'] }),
  validate: () => ({ name: 'validate', workload: { kind: 'validate', mix: parseCli(() => parseMix(args.mix ?? 'small=80,medium=18,large=2')), payloadBytes: 0 }, events: positiveInt('events-validate', args['events-validate'], quick ? 150 : 1000, 20), kinds: ['service', 'service1', 'inline', 'pool'] }),
  noop: () => ({ name: 'noop', workload: { kind: 'cpu', cpuMs: 0, payloadBytes: 0 }, events: positiveInt('events-noop', args['events-noop'], quick ? 3000 : 40_000, 20), kinds: ['service', 'inline', 'pool', 'bare'] })
}
/** `N` for every workload, or `workload=N,...` over the defaults. */
function maxInFlightPerWorkload (text: string | undefined): Record<WorkloadName, number> {
  const out: Record<WorkloadName, number> = { cpu5: 64, validate: 64, noop: 512 }
  if (text === undefined) return out
  if (/^\d+$/.test(text.trim())) {
    const n = positiveInt('max-in-flight', text, 64)
    return { cpu5: n, validate: n, noop: n }
  }
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map(x => x.trim())
    if (name === undefined || !(name in out) || value === undefined || !/^\d+$/.test(value) || Number(value) < 1) {
      throw new Error(`--max-in-flight: expected N or cpu5=N,validate=N,noop=N, got "${part}"`)
    }
    out[name as WorkloadName] = Number(value)
  }
  return out
}
const names = (args.workloads ?? 'cpu5,validate,noop').split(',').map(s => s.trim()).filter(Boolean)
for (const n of names) if (!(n in ALL)) fail(`--workloads: unknown workload "${n}" (cpu5, validate, noop)`)
const cases = [...new Set(names)].map(n => ALL[n as WorkloadName]())

const LABEL: Record<Variant, string> = { service: '(a) service', service1: '(a1) service, 1 thread', inline: '(b) inline', pool: '(c) pool', bare: '(d) bare' }

interface Figures {
  readonly runs: ScenarioResult[]
  readonly throughput: number
  readonly coresBusy: number
}

function describeMaxInFlight (): string {
  return cases.map(c => `${c.name} ${maxInFlight[c.name]}`).join(', ')
}

const kafka = new BenchKafka(brokersFrom(args.brokers))
const progress = new Progress()

const env = environment()

await withCleanup(kafka, async () => {
  const id = runId()
  const results: Record<string, Partial<Record<Variant, Figures>>> = {}
  progress.log(`bench:compare  ${cores} cores (os.availableParallelism()), ${threads || cores} worker threads, max_in_flight ${describeMaxInFlight()}, ${rounds} round(s)`)
  for (const c of cases) {
    const topic = `bench-${id}-cmp-${c.name}-req`
    const responseTopic = `bench-${id}-cmp-${c.name}-resp`
    await kafka.createTopics([topic, `${topic}.dlq`, responseTopic], partitions)
    const produced = await kafka.produce(topic, partitions, c.events, i => requestAt(c.workload, seed, i), {
      onProgress: sent => progress.update(`${c.name}: preloading ${sent}/${c.events} events`)
    })
    progress.log(`${c.name}: ${describeWorkload(c.workload)}; backlog ${c.events} events, ${(produced.bytes / 1048576).toFixed(1)} MiB`)
    const runs: Partial<Record<Variant, ScenarioResult[]>> = {}
    let runNo = 0
    for (let r = 0; r < rounds; r++) {
      // Rotate the order: a, b, c(, d) in round 1, b, c(, d), a in round 2, ...
      const order = c.kinds.map((_, i) => c.kinds[(i + r) % c.kinds.length] as Variant)
      for (const variant of order) {
        runNo++
        const kind: ScenarioKind = variant === 'service1' ? 'service' : variant
        const config: ScenarioConfig = {
          kind,
          brokers: kafka.brokers,
          topic,
          responseTopic,
          groupId: kafka.group(`bench-${id}-cmp-${c.name}-${variant}-${runNo}`),
          workload: c.workload,
          seed,
          target: c.events,
          warmupFraction: warmup,
          maxInFlight: maxInFlight[c.name],
          maxInFlightBytes: 0,
          threads: variant === 'service1' ? 1 : threads,
          ordering: ordering(args.ordering),
          timeoutMs
        }
        const label = `${c.name} round ${r + 1}/${rounds} ${LABEL[variant]}`
        const result = await runInChild(config, p => progress.update(
          `${label}: ${p.done}/${c.events} events, ${(p.elapsedMs / 1000).toFixed(1)} s, RSS ${p.rssMb.toFixed(0)} MB`))
        ;(runs[variant] ??= []).push(result)
        const bad = result.timedOut ? `  TIMED OUT (${result.finished}/${c.events})` : result.failed > 0 ? `  (${result.failed} failed)` : ''
        progress.log(`${label}: ${fmt(result.steady.perSecond)} events/s, ${fmt(result.steady.coresBusy, 2)} cores busy${bad}`)
      }
    }
    results[c.name] = Object.fromEntries(Object.entries(runs).map(([kind, list]) => [kind, {
      runs: list,
      throughput: median(list.map(x => x.steady.perSecond)),
      coresBusy: median(list.map(x => x.steady.coresBusy))
    }]))
  }
  progress.clear()

  // ── report ──────────────────────────────────────────────────────────────────────────────────────
  const tp = (w: string, k: Variant): number => results[w]?.[k]?.throughput ?? Number.NaN
  const goals: Array<{ workload: string, ratio: string, value: number, goal: number, met: boolean | null }> = []
  const goal = (workload: string, name: string, value: number, target: number): void => {
    goals.push({ workload, ratio: name, value, goal: target, met: Number.isFinite(value) && Number.isFinite(target) ? value >= target : null })
  }
  console.log()
  console.log(`cores: ${cores} (os.availableParallelism()); worker threads: ${threads || cores}; max_in_flight ${describeMaxInFlight()}; median of ${rounds} round(s), events/s`)
  console.log()
  console.log(formatTable(
    ['workload', '(a) service', '(a1) 1 thread', '(b) inline', '(c) pool', '(d) bare', '(a)/(a1)', '(a)/(b)', '(a)/(c)', '(a)/(d)'],
    cases.map(c => [
      c.name,
      fmt(tp(c.name, 'service')), fmt(tp(c.name, 'service1')), fmt(tp(c.name, 'inline')), fmt(tp(c.name, 'pool')), fmt(tp(c.name, 'bare')),
      fmt(ratio(tp(c.name, 'service'), tp(c.name, 'service1')), 2),
      fmt(ratio(tp(c.name, 'service'), tp(c.name, 'inline')), 2),
      fmt(ratio(tp(c.name, 'service'), tp(c.name, 'pool')), 2),
      fmt(ratio(tp(c.name, 'service'), tp(c.name, 'bare')), 2)
    ])))
  console.log()
  for (const c of cases) {
    if (c.name === 'noop') {
      goal('noop', '(a)/(d)', ratio(tp('noop', 'service'), tp('noop', 'bare')), 0.3)
    } else {
      goal(c.name, '(a)/(b)', ratio(tp(c.name, 'service'), tp(c.name, 'inline')), c.name === 'cpu5' ? 0.9 * cores : Number.NaN)
      goal(c.name, '(a)/(c)', ratio(tp(c.name, 'service'), tp(c.name, 'pool')), c.name === 'cpu5' ? 0.9 : Number.NaN)
      if (c.kinds.includes('service1')) goal(c.name, `(a)/(a1) (${threads || cores} threads vs 1)`, ratio(tp(c.name, 'service'), tp(c.name, 'service1')), Number.NaN)
    }
  }
  for (const g of goals) {
    const verdict = !Number.isFinite(g.goal) ? '' : g.met === null ? '  (goal ≥ ' + g.goal.toFixed(2) + ': not measured)' : `  (goal ≥ ${g.goal.toFixed(2)}: ${g.met ? 'met' : 'NOT met'})`
    console.log(`${g.workload.padEnd(8)} ${g.ratio} = ${fmt(g.value, 2)}${verdict}`)
  }
  const inline = results.cpu5?.inline ?? results.validate?.inline
  if (inline !== undefined) {
    const r = inline.runs[0]
    const share = r?.handlerMs !== undefined ? (r.handlerMs.mean * r.steady.perSecond) / 10 : Number.NaN
    console.log()
    console.log(`(b) awaits each response's send (acks=all) in eachMessage: in its first ${results.cpu5?.inline !== undefined ? 'cpu5' : 'validate'} run the handler took ` +
      `${fmt(share, 0)}% of the wall time, the rest is Kafka round trips.`)
  }
  console.log('(a) and (b) produce a response per event; (c) only runs the tasks; (d) only consumes. Noisy on a shared machine: see the per-round figures in the JSON.')
  const json = writeResult(args.out, `compare-${stamp()}.json`, JSON.stringify({
    tool: 'bench:compare',
    environment: environmentAtEnd(env),
    options: { rounds, maxInFlight, threads: threads || cores, partitions, ordering: ordering(args.ordering), warmup, seed, quick },
    workloads: cases.map(c => ({ name: c.name, description: describeWorkload(c.workload), workload: c.workload, events: c.events })),
    results,
    goals
  }, (_, v: unknown) => typeof v === 'number' && !Number.isFinite(v) ? null : v, 2))
  console.log()
  console.log(`wrote ${json}`)
})
