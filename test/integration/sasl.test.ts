// Kafka authentication against the real broker's SASL_PLAINTEXT listener (scripts/kafka.mjs: port
// KAFKA_PORT+2, SCRAM-SHA-256 and PLAIN, user `intelligence`). Right credentials: the service answers
// and stops cleanly. Wrong ones: one fatal line with IC_KAFKA_AUTH and exit 1, quickly; never an
// endless reconnect loop, and never the password in the output.
//
// SCRAM-SHA-512 is supported by the service (kafkajs) but the local broker does not enable it on its
// SASL listener (and has no SHA-512 credential), so only its refusal can be checked here.
import t from 'tap'
import { produce, readRecords, request, serviceTopics, unique } from '../helpers/kafka.js'
import { launchService, type LogLine } from '../helpers/service.js'

// The broker's PLAINTEXT port is what the helpers use (topics are created and read there); SASL sits
// two ports above it, as scripts/kafka.mjs lays them out.
const plainPort = Number((process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092').split(',')[0]?.split(':')[1] ?? 9092)
const saslBootstrap = process.env.KAFKA_SASL_BOOTSTRAP ?? `127.0.0.1:${plainPort + 2}`
const USER = 'intelligence'
const PASSWORD = 'intelligence-local-secret'

// Bound for a refused start: kafkajs does not retry an authentication failure, so it ends within a few
// seconds; a retry loop (KAFKA_RETRIES=8 with backoff) would take longer than this, and a loop without
// end never would.
const REFUSAL_BOUND_MS = 30_000

const fatalLines = (lines: LogLine[]): LogLine[] => lines.filter(l => l.level === 'fatal')

for (const mechanism of ['scram-sha-256', 'plain'] as const) {
  t.test(`${mechanism} with the right credentials: answers a bench_cpu event, exits 0 on SIGTERM`, async t => {
    const topics = await serviceTopics(`sasl-${mechanism}`)
    const correlationId = crypto.randomUUID()
    await produce(topics.request.bench_cpu, [{ key: correlationId, value: request({ cpu_ms: 1 }, { correlation_id: correlationId }) }])
    const service = launchService({
      ...topics.env,
      KAFKA_BOOTSTRAP_SERVERS: saslBootstrap,
      // Any case is accepted; upper case is how most deployments spell it.
      KAFKA_SASL_MECHANISM: mechanism.toUpperCase(),
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: PASSWORD,
      KAFKA_CONSUMER_GROUP: unique(`sasl-${mechanism}-group`),
      WORKER_THREADS: '1',
      LOG_LEVEL: 'debug'
    })
    t.teardown(() => { if (service.child.exitCode === null) service.child.kill('SIGKILL') })
    // The service only knows the SASL listener, so an answer means every client (admin for the topic
    // check, producer, consumer group) authenticated.
    const [answer] = await readRecords(topics.response.bench_cpu, 1)
    t.equal(answer?.key, correlationId, 'the response is keyed by the request\'s correlation id')
    t.equal((JSON.parse(answer?.value.toString() ?? '{}') as { correlation_id?: string }).correlation_id, correlationId)
    await service.waitForLine(l => l.msg === 'consumer started')
    service.child.kill('SIGTERM')
    const exit = await service.exited
    t.equal(exit.code, 0, 'graceful stop exits 0')
    t.same(fatalLines(service.lines()), [], 'no fatal line')
    t.notMatch(exit.stdout + exit.stderr, PASSWORD, 'the password is never logged')
  })

  t.test(`${mechanism} with a wrong password: one fatal IC_KAFKA_AUTH line, exit 1, no retry loop`, async t => {
    const topics = await serviceTopics(`sasl-bad-${mechanism}`)
    const wrong = `wrong-${unique('pw')}`
    const started = Date.now()
    const service = launchService({
      ...topics.env,
      KAFKA_BOOTSTRAP_SERVERS: saslBootstrap,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: USER,
      KAFKA_SASL_PASSWORD: wrong,
      KAFKA_CONSUMER_GROUP: unique(`sasl-bad-${mechanism}-group`),
      WORKER_THREADS: '1'
    }, { timeoutMs: REFUSAL_BOUND_MS })
    const exit = await service.exited // rejects, with the output, if it is still trying after the bound
    t.equal(exit.code, 1, 'exit code 1')
    t.ok(Date.now() - started < REFUSAL_BOUND_MS, 'gave up within the bound')
    const lines = service.lines()
    const fatal = fatalLines(lines)
    t.equal(fatal.length, 1, 'exactly one fatal line')
    t.equal(fatal[0]?.code, 'IC_KAFKA_AUTH')
    t.match(fatal[0]?.msg, /^cannot start: Kafka authentication failed: .*authentication failed/i)
    // kafkajs logs each failed attempt with its retryCount: an authentication failure is not retried.
    const retried = lines.filter(l => typeof l.retryCount === 'number' && l.retryCount > 0)
    t.same(retried, [], 'the failure was not retried')
    t.notOk(lines.some(l => l.msg === 'consumer started'), 'never started')
    t.notMatch(exit.stdout + exit.stderr, wrong, 'the wrong password is not logged either')
  })
}

t.test('scram-sha-512 against a listener that does not offer it: one fatal IC_KAFKA_AUTH line, exit 1', async t => {
  const topics = await serviceTopics('sasl-512')
  const service = launchService({
    ...topics.env,
    KAFKA_BOOTSTRAP_SERVERS: saslBootstrap,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: USER,
    KAFKA_SASL_PASSWORD: PASSWORD,
    WORKER_THREADS: '1'
  }, { timeoutMs: REFUSAL_BOUND_MS })
  const exit = await service.exited
  t.equal(exit.code, 1)
  const fatal = fatalLines(service.lines())
  t.equal(fatal.length, 1, 'exactly one fatal line')
  t.equal(fatal[0]?.code, 'IC_KAFKA_AUTH')
  t.match(fatal[0]?.msg, /SASL mechanism/, 'names the mechanism problem')
  t.notMatch(exit.stdout + exit.stderr, PASSWORD)
})
