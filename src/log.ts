// The service's logger: JSON lines on stdout (one object per line, for log shippers), human-readable
// through pino-pretty only when asked for. Secrets and event contents never reach the output: they are
// redacted by path, because pino's wildcard redaction is unreliable below depth two (pino #1708), so
// every place a secret or a payload can sit in a log object is listed.
//
// Workers do not log (PITFALLS, pino 3): they return what happened with the task result and the main
// thread logs it here.
import { createRequire } from 'node:module'
import { pino } from 'pino'
import type { DestinationStream, Logger, LoggerOptions as PinoOptions } from 'pino'
import type { LogLevel } from './config/schema.js'

export type { Logger } from 'pino'

export interface LoggerOptions {
  readonly level: LogLevel
  readonly pretty: boolean
  /** Where lines go; stdout when absent. Tests pass a stream to read what was logged. */
  readonly destination?: DestinationStream
}

const SECRETS = [
  'password', 'keyPassword', 'sasl.password', 'ssl.key', 'ssl.keyPassword',
  'kafka.sasl.password', 'kafka.ssl.keyPassword', 'kafka.ssl.key',
  'config.kafka.sasl.password', 'config.kafka.ssl.keyPassword', 'config.kafka.ssl.key',
  'options.sasl.password', 'options.ssl.key', 'options.ssl.passphrase', 'ssl.passphrase', 'passphrase'
]

// Field names of the contract's request, response and dead-letter records that carry user code or
// documents (CONTRACT.md): whole payloads, the raw record value, and the two content fields.
const CONTENT_FIELDS = ['value', 'payload', 'code_content', 'prd_content', 'original_value']
const CONTENT_PARENTS = ['event', 'message', 'msg', 'record', 'request', 'response', 'result', 'deadLetter', 'dlq', 'err', 'error']

export const REDACT_PATHS: readonly string[] = [
  ...SECRETS,
  ...CONTENT_FIELDS,
  ...CONTENT_FIELDS.flatMap(field => CONTENT_PARENTS.map(parent => `${parent}.${field}`)),
  'payload.code_content', 'payload.prd_content', 'request.payload.code_content', 'request.payload.prd_content'
]

export const REDACTED = '[redacted]'

function pinoOptions (level: LogLevel): PinoOptions {
  return {
    level,
    base: { service: 'intelligence-consumer' },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names rather than numbers: log stores and humans filter on "warn", not 40.
    formatters: { level: label => ({ level: label }) }
  }
}

export function createLogger (options: LoggerOptions): Logger {
  const opts = pinoOptions(options.level)
  if (!options.pretty) return pino(opts, options.destination)
  // pino-pretty in-process rather than as a transport thread: lines cannot be lost on a hard exit
  // (pino #2054), `destination` works the same in both modes, and it is loaded only when asked for.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty')
  return pino(opts, pretty({ destination: options.destination ?? 1, sync: true }))
}

/** Writes out what the logger still buffers; await it before the process exits. */
export async function flushLogger (logger: Logger): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    logger.flush(err => { if (err === undefined || err === null) resolve(); else reject(err) })
  })
}
