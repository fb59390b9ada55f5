import { Writable } from 'node:stream'
import t from 'tap'
import { createLogger, flushLogger, REDACT_PATHS, REDACTED } from '../../src/log.js'

interface Sink {
  readonly stream: Writable
  text: () => string
  lines: () => Array<Record<string, unknown>>
  /** Resolves once the output so far matches: a latch for asynchronous writers, instead of a sleep. */
  until: (pattern: RegExp) => Promise<void>
}

/** A destination that keeps every line written to it. */
function sink (): Sink {
  const chunks: string[] = []
  const waiters: Array<{ pattern: RegExp, resolve: () => void }> = []
  const text = (): string => chunks.join('')
  const stream = new Writable({
    write (chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk))
      for (const w of waiters) if (w.pattern.test(text())) w.resolve()
      done()
    }
  })
  return {
    stream,
    text,
    lines: () => text().trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>),
    until: async pattern => { await new Promise<void>(resolve => waiters.push({ pattern, resolve })) }
  }
}

const SECRET = 'pa55-w0rd-that-must-not-leak'
const KEY_PASSWORD = 'tls-key-passphrase-secret'
const CODE = 'class NodeUserEffect(NodeBase): SECRET_CODE_MARKER'
const PRD = 'PRD text SECRET_PRD_MARKER'

t.test('JSON lines with the service name and a level label', async t => {
  const out = sink()
  const logger = createLogger({ level: 'info', pretty: false, destination: out.stream })
  logger.info({ partition: 3 }, 'started')
  logger.debug('not at info')
  await flushLogger(logger)
  const [line, ...rest] = out.lines()
  t.same(rest, [])
  t.match(line, { level: 'info', service: 'intelligence-consumer', partition: 3, msg: 'started' })
  t.match(line?.time, /^\d{4}-\d\d-\d\dT/, 'ISO time')
})

t.test('secrets and event contents never reach the output', async t => {
  const out = sink()
  const logger = createLogger({ level: 'trace', pretty: false, destination: out.stream })
  const config = { kafka: { sasl: { mechanism: 'plain', username: 'svc', password: SECRET }, ssl: { keyPassword: KEY_PASSWORD } } }
  logger.info({ config }, 'effective configuration')
  logger.info(config, 'configuration at top level')
  logger.info({ sasl: config.kafka.sasl, ssl: config.kafka.ssl }, 'connecting')
  logger.info({ password: SECRET, keyPassword: KEY_PASSWORD }, 'flat')
  logger.warn({ payload: { code_content: CODE }, value: Buffer.from(CODE).toString(), code_content: CODE, prd_content: PRD }, 'event')
  logger.warn({ event: { payload: { prd_content: PRD }, value: CODE }, record: { value: CODE } }, 'nested event')
  logger.error({ deadLetter: { original_value: CODE }, original_value: CODE }, 'dead letter')
  logger.debug({ request: { payload: { code_content: CODE } } }, 'request')
  await flushLogger(logger)
  const text = out.text()
  for (const secret of [SECRET, KEY_PASSWORD, 'SECRET_CODE_MARKER', 'SECRET_PRD_MARKER']) t.notMatch(text, secret, `${secret} absent`)
  t.equal(out.lines().length, 8, 'every line still written')
  t.match(text, REDACTED)
  t.match(text, '"username":"svc"', 'what is not secret stays')
  t.ok(REDACT_PATHS.every(p => !p.includes('*')), 'explicit paths only (pino #1708)')
})

t.test('pretty output is human-readable and redacted too', async t => {
  const out = sink()
  const logger = createLogger({ level: 'info', pretty: true, destination: out.stream })
  const written = out.until(/pretty hello/)
  logger.info({ password: SECRET }, 'pretty hello')
  await written
  t.match(out.text(), /INFO.*pretty hello/)
  t.notMatch(out.text(), SECRET)
  t.notMatch(out.text(), /^\{/, 'not JSON')
})

t.test('stdout is the default destination, in both modes', async t => {
  await flushLogger(createLogger({ level: 'silent', pretty: false }))
  await flushLogger(createLogger({ level: 'silent', pretty: true }))
  t.pass('created and flushed without a destination')
})

t.test('flushLogger reports a failed flush', async t => {
  const logger = createLogger({
    level: 'info',
    pretty: false,
    destination: { write () {}, flush (cb: (err?: Error) => void) { cb(new Error('disk gone')) } } as never
  })
  await t.rejects(flushLogger(logger), /disk gone/)
})
