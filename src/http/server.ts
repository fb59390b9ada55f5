// The only HTTP layer: GET /metrics (Prometheus text), /health (the seed's status over a recent window,
// 503 when unhealthy), /ready (200 only when connected, assigned and the pool is up). Plain node:http:
// three read-only routes do not need a framework.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { IntelligenceKafkaConsumer } from '../consumer/intelligence-consumer.js'
import { classifyHealth, HealthWindow, type Cumulative } from '../metrics/health.js'
import { createPrometheusMetrics } from '../metrics/prometheus.js'

export interface HttpServer {
  readonly port: number
  readonly url: string
  close (): Promise<void>
}

function cumulative (consumer: IntelligenceKafkaConsumer): Cumulative {
  const m = consumer.getMetrics()
  return { blocked: m.max_in_flight_reached, waitMs: m.total_backpressure_wait_time_ms, finished: m.events_processed + m.events_failed }
}

export async function startHttpServer (args: { config: Pick<Config, 'http' | 'health'>, consumer: IntelligenceKafkaConsumer, logger: Logger }): Promise<HttpServer> {
  const { config, consumer, logger } = args
  const prom = createPrometheusMetrics(consumer)
  const window = new HealthWindow(config.health.windowMs)
  const sampleEvery = Math.max(100, Math.min(5000, Math.floor(config.health.windowMs / 12)))
  const sampler = setInterval(() => window.sample(Date.now(), cumulative(consumer)), sampleEvery)
  sampler.unref()
  window.sample(Date.now(), cumulative(consumer))

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/metrics') {
      prom.metrics().then(text => {
        res.writeHead(200, { 'content-type': prom.contentType }).end(text)
      }, (err: unknown) => {
        logger.error({ err }, 'metrics collection failed')
        res.writeHead(500).end()
      })
      return
    }
    if (path === '/health') {
      const now = Date.now()
      const metrics = consumer.getMetrics()
      const stats = window.stats(now, cumulative(consumer))
      const status = classifyHealth({ running: metrics.is_running, inGroup: consumer.isReady(), window: stats })
      const body = {
        status,
        window: {
          seconds: stats.windowMs / 1000,
          backpressure_percentage: stats.backpressurePercentage,
          avg_backpressure_wait_ms: stats.avgWaitMs,
          events_finished: stats.finished,
          events_blocked: stats.blocked
        },
        metrics
      }
      res.writeHead(status === 'unhealthy' ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      return
    }
    if (path === '/ready') {
      const ready = consumer.isReady()
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready }))
      return
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', routes: ['/metrics', '/health', '/ready'] }))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.http.port, config.http.host, () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as AddressInfo).port
  logger.info({ host: config.http.host, port }, 'http endpoint listening (/metrics, /health, /ready)')
  return {
    port,
    url: `http://${config.http.host}:${port}`,
    close: async () => {
      clearInterval(sampler)
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
