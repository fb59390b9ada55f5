// Composition root of `node dist/main.js`: flags → configuration → logger → consumer (+ HTTP) → signals.
// Exit codes: 0 clean stop, 1 runtime failure (Kafka unreachable or crashed, auth refused), 2 bad flags
// or configuration. Every failure ends with one clear log line, never a silent hang.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCli, usage } from './cli.js'
import { findPackageRoot, loadConfig, printableConfig } from './config/load.js'
import { isIntelligenceError } from './errors.js'
import { createLogger, flushLogger, type Logger } from './log.js'
import { consumerOptions } from './app.js'
import { IntelligenceKafkaConsumer } from './consumer/intelligence-consumer.js'
import { startHttpServer, type HttpServer } from './http/server.js'

function version (): string {
  const root = findPackageRoot(fileURLToPath(new URL('.', import.meta.url)))
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
}

function fail (message: string, code: number): never {
  process.stderr.write(`intelligence-consumer: ${message}\n`)
  process.exit(code)
}

async function main (): Promise<void> {
  let command
  let loaded
  try {
    command = parseCli(process.argv.slice(2))
    if (command.kind === 'help') { process.stdout.write(usage() + '\n'); return }
    if (command.kind === 'version') { process.stdout.write(version() + '\n'); return }
    loaded = loadConfig({ env: process.env, ...(command.configPath !== undefined ? { configPath: command.configPath } : {}) })
  } catch (err) {
    if (isIntelligenceError(err)) fail(err.message, err.exitCode ?? 2)
    throw err
  }
  const { config, warnings, sources } = loaded
  if (command.printConfig) { process.stdout.write(printableConfig(config) + '\n'); return }

  const logger = createLogger(config.log)
  for (const w of warnings) logger.warn(w)
  logger.info({ version: version(), sources, maxInFlight: config.processing.maxInFlight, threads: config.pool.threads }, 'intelligence-consumer starting')

  let exiting = false
  const exit = async (code: number): Promise<never> => {
    exiting = true
    await flushLogger(logger).catch(() => {})
    process.exit(code)
  }

  const consumer = new IntelligenceKafkaConsumer({
    ...consumerOptions(config, logger),
    onFatal: err => { void exit(err.exitCode ?? 1) }
  })
  let http: HttpServer | undefined

  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now without draining')
      void exit(1)
      return
    }
    logger.info({ signal }, 'signal received: stopping gracefully')
    void shutdown(logger, consumer, http).then(() => exit(0), err => {
      logger.error({ err }, 'shutdown failed')
      return exit(1)
    })
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  try {
    if (config.http.enabled) http = await startHttpServer({ config, consumer, logger })
    await consumer.start()
  } catch (err) {
    if (exiting) return
    const message = err instanceof Error ? err.message : String(err)
    logger.fatal({ err, code: isIntelligenceError(err) ? err.code : undefined }, `cannot start: ${message}`)
    await http?.close().catch(() => {})
    await exit(isIntelligenceError(err) ? (err.exitCode ?? 1) : 1)
  }
}

async function shutdown (logger: Logger, consumer: IntelligenceKafkaConsumer, http: HttpServer | undefined): Promise<void> {
  await consumer.stop()
  await http?.close()
  logger.info('stopped')
}

main().catch(err => {
  process.stderr.write(`intelligence-consumer: unexpected failure: ${(err as Error)?.stack ?? String(err)}\n`)
  process.exit(1)
})
