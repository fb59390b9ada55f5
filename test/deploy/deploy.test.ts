// deploy/ cannot run here (no Docker engine), so what can drift from the code is checked instead: the
// dashboard queries only series that /metrics exports, with labels those series have; the compose file
// sets only variables the configuration knows, with values it accepts, and creates the topics the
// service checks for at start; the image's health check needs nothing but node.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { IntelligenceKafkaConsumer } from '../../src/consumer/intelligence-consumer.js'
import { createPrometheusMetrics } from '../../src/metrics/prometheus.js'
import { configDocs, loadConfig } from '../../src/config/load.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8')

interface Target { expr: string, refId: string }
interface Panel { id: number, type: string, title: string, gridPos: { h: number, w: number, x: number, y: number }, datasource?: { uid: string }, targets?: Target[] }

t.test('grafana-dashboard.json: valid, and every series it queries is exported with the labels it uses', async t => {
  const dashboard = JSON.parse(read('deploy/grafana-dashboard.json')) as { uid: string, title: string, panels: Panel[], templating: { list: Array<{ name: string }> } }
  t.ok(dashboard.uid && dashboard.title, 'uid and title')
  t.same(dashboard.templating.list.map(v => v.name), ['datasource', 'instance'])
  const ids = dashboard.panels.map(p => p.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  for (const p of dashboard.panels) {
    t.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`)
    if (p.type === 'row') continue
    t.equal(p.datasource?.uid, '${datasource}', `${p.title} uses the datasource variable`)
    t.ok((p.targets ?? []).length > 0, `${p.title} has a query`)
  }

  // The registry of a consumer that is never started: the catalogue without a broker.
  const prom = createPrometheusMetrics(new IntelligenceKafkaConsumer({ bootstrapServers: '127.0.0.1:1', topics: ['unused'] }))
  const exported = new Map<string, { type: string, labels: Set<string> }>()
  for (const m of await prom.registry.getMetricsAsJSON()) {
    const metric = prom.registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }
    exported.set(m.name, { type: String(m.type), labels: new Set(metric.labelNames ?? []) })
  }
  const seriesOf = (name: string): string | undefined => {
    if (exported.has(name)) return name
    // Histogram series: <name>_bucket, _sum, _count.
    const base = name.replace(/_(bucket|sum|count)$/, '')
    return exported.get(base)?.type === 'histogram' ? base : undefined
  }
  const exprs = dashboard.panels.flatMap(p => (p.targets ?? []).map(x => ({ panel: p.title, expr: x.expr })))
  const used = new Set<string>()
  for (const { panel, expr } of exprs) {
    const names = [...expr.matchAll(/\b((?:kafka|intelligence_consumer|process|nodejs)_[a-z0-9_]+)/g)].map(m => m[1] as string)
    t.ok(names.length > 0, `${panel}: queries a metric`)
    const labels = new Set(['instance', 'job'])
    for (const name of names) {
      const series = seriesOf(name)
      t.ok(series, `${panel}: ${name} is exported by src/metrics/prometheus.ts`)
      if (series === undefined) continue
      used.add(series)
      for (const l of exported.get(series)?.labels ?? []) labels.add(l)
      if (exported.get(series)?.type === 'histogram') labels.add('le')
    }
    for (const m of expr.matchAll(/\bby \(([^)]*)\)/g)) {
      for (const label of (m[1] as string).split(',').map(s => s.trim())) t.ok(labels.has(label), `${panel}: label ${label} exists on ${names.join(', ')}`)
    }
  }
  // What the issue asks the dashboard to show.
  for (const name of [
    'kafka_consumer_in_flight_events', 'intelligence_consumer_max_in_flight', 'intelligence_consumer_backpressure_percentage',
    'kafka_consumer_backpressure_wait_seconds', 'kafka_event_processing_total', 'kafka_dlq_routed_total',
    'intelligence_consumer_pool_queue_size', 'intelligence_consumer_pool_utilization', 'intelligence_consumer_partition_lag',
    'intelligence_consumer_paused_partitions', 'process_resident_memory_bytes'
  ]) t.ok(used.has(name), `the dashboard shows ${name}`)
})

/** `KEY: value` lines of the environment block of one service (the compose file's own layout). */
function composeEnvironment (compose: string, service: string): Record<string, string> {
  const lines = compose.split('\n')
  const start = lines.indexOf(`  ${service}:`)
  const out: Record<string, string> = {}
  let inEnv = false
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,2}\S/.test(line)) break // the next service or top-level key
    if (/^ {4}\S/.test(line)) { inEnv = line.trim() === 'environment:'; continue }
    const m = /^ {6}([A-Z][A-Z0-9_]*): *(.*?)(?: +#.*)?$/.exec(line)
    if (inEnv && m !== null) out[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1')
  }
  return out
}

t.test('docker-compose.yml: the service\'s variables are known and valid; kafka-init creates every topic it checks', async t => {
  const compose = read('deploy/docker-compose.yml')
  const env = composeEnvironment(compose, 'intelligence-consumer')
  t.ok(Object.keys(env).length >= 5, 'found the environment block')
  const known = new Set(configDocs().map(d => d.env).filter(e => e !== ''))
  for (const key of Object.keys(env)) t.ok(key === 'NODE_ENV' || known.has(key), `${key} is a configuration variable`)
  const { config } = loadConfig({ env })
  t.equal(config.http.host, '0.0.0.0', 'listens on all interfaces in the container')
  t.equal(config.kafka.sasl.mechanism, '', 'no credentials in the file')
  t.ok(config.processing.shutdownTimeoutMs < 35_000, 'drains within stop_grace_period (35 s)')
  t.match(compose, /stop_grace_period: 35s/)

  // The init script loops over the four types with these three name templates.
  const templates = [...compose.matchAll(/"(omninode\.codegen\.[a-z0-9.$]+)"/g)].map(m => m[1] as string)
  const created = new Set(['validate', 'analyze', 'pattern', 'mixin'].flatMap(type => templates.map(x => x.replace('$$type', type))))
  const topics = config.topics
  const wanted = [topics.validateRequest, topics.analyzeRequest, topics.patternRequest, topics.mixinRequest]
  for (const topic of [...wanted, ...wanted.map(x => x + topics.dlqSuffix), topics.validateResponse, topics.analyzeResponse, topics.patternResponse, topics.mixinResponse]) {
    t.ok(created.has(topic), `kafka-init creates ${topic}`)
  }
  t.match(compose, /KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false"/, 'the broker does not invent topics')
  t.match(compose, /condition: service_completed_successfully/, 'the service starts after the topics exist')
})

t.test('Dockerfile: HEALTHCHECK on /health with node (the slim image has no curl or wget)', async t => {
  const dockerfile = read('Dockerfile')
  const check = /^HEALTHCHECK[^\n]*\\\n\s*CMD (.*)$/m.exec(dockerfile)?.[1] ?? ''
  t.match(check, /^node -e /)
  t.match(check, /\/health/)
  t.notMatch(check, /curl|wget/)
  t.match(dockerfile, /HTTP_HOST=0\.0\.0\.0/, 'the endpoint listens on all interfaces in the image')
})
