// The catalogue of every error the service raises or reports, as stable codes with decision flags.
// Code branches on `code` and the flags, never on message text (the Python service sniffed error
// strings to guess a dead-letter type; we set it from what happened). test/errors.test.ts checks that
// every code is documented in README.md.

/** The `error_type` values written into dead-letter records (contract names first, then ours). */
export type DeadLetterType =
  | 'deserialization_error'
  | 'validation_error'
  | 'handler_error'
  | 'timeout_error'
  | 'payload_too_large'
  | 'resource_limit_error'
  | 'worker_crash'

export interface ErrorSpec {
  /** Message template; `%s` placeholders are filled in order. */
  readonly message: string
  /** Where an event that fails this way ends, when it is an event failure. */
  readonly deadLetter?: DeadLetterType
  /** Worth another attempt with backoff (a transient fault), as opposed to a property of the input. */
  readonly canRetry: boolean
  /** Process exit code when this error stops the service. */
  readonly exitCode?: number
}

export const ERRORS = {
  IC_CONFIG_INVALID: { message: 'invalid configuration: %s', canRetry: false, exitCode: 2 },
  IC_CLI_USAGE: { message: '%s', canRetry: false, exitCode: 2 },
  IC_EVENT_NOT_UTF8: { message: 'value is not valid UTF-8', deadLetter: 'deserialization_error', canRetry: false },
  IC_EVENT_NOT_JSON: { message: 'value is not JSON: %s', deadLetter: 'deserialization_error', canRetry: false },
  IC_EVENT_INVALID: { message: 'envelope does not match the request schema: %s', deadLetter: 'validation_error', canRetry: false },
  IC_EVENT_TOO_LARGE: { message: 'value is %s bytes, over the limit of %s bytes', deadLetter: 'payload_too_large', canRetry: false },
  IC_NO_HANDLER: { message: 'no handler takes event type %s (topic %s)', deadLetter: 'handler_error', canRetry: false },
  IC_HANDLER_FAILED: { message: 'handler %s failed: %s', deadLetter: 'handler_error', canRetry: true },
  IC_HANDLER_TIMEOUT: { message: 'handler ran past the %s ms deadline; its worker was replaced', deadLetter: 'timeout_error', canRetry: false },
  IC_WORKER_RESOURCE_LIMIT: { message: 'worker ran out of its memory limit; it was replaced: %s', deadLetter: 'resource_limit_error', canRetry: false },
  IC_WORKER_CRASH: { message: 'worker died while handling the event: %s', deadLetter: 'worker_crash', canRetry: false },
  IC_KAFKA_CRASH: { message: 'Kafka consumer crashed and will not restart: %s', canRetry: false, exitCode: 1 },
  IC_KAFKA_AUTH: { message: 'Kafka authentication failed: %s', canRetry: false, exitCode: 1 },
  IC_KAFKA_UNREACHABLE: { message: 'Kafka brokers unreachable: %s', canRetry: false, exitCode: 1 },
  IC_TOPIC_MISSING: { message: 'topics missing on the cluster (or not visible to this user): %s; create them (locally: npm run kafka:topics) or name existing ones in the configuration', canRetry: false, exitCode: 1 },
  IC_PUBLISH_FAILED: { message: 'could not publish to %s: %s', canRetry: true }
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export class IntelligenceError extends Error {
  readonly code: ErrorCode
  readonly canRetry: boolean
  readonly deadLetter: DeadLetterType | undefined
  readonly exitCode: number | undefined

  constructor (code: ErrorCode, args: ReadonlyArray<string | number> = [], options?: { cause?: unknown }) {
    const spec: ErrorSpec = ERRORS[code]
    let i = 0
    super(spec.message.replace(/%s/g, () => String(args[i++] ?? '')), options)
    this.name = 'IntelligenceError'
    this.code = code
    this.canRetry = spec.canRetry
    this.deadLetter = spec.deadLetter
    this.exitCode = spec.exitCode
  }
}

export function createError (code: ErrorCode, ...args: Array<string | number>): IntelligenceError {
  return new IntelligenceError(code, args)
}

export function isIntelligenceError (err: unknown): err is IntelligenceError {
  return err instanceof IntelligenceError
}
