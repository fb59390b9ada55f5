// `node dist/main.js` as users run it: flags, exit codes, a real start and a graceful stop, secrets
// absent from the logs, a clear failure when Kafka is unreachable.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { brokers, produce, readRecords, request, serviceTopics, unique } from '../helpers/kafka.js'

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

interface Run { code: number | null, stdout: string, stderr: string }

function launch (args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): { child: ChildProcessByStdio<null, Readable, Readable>, done: Promise<Run> } {
  const child = spawn(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '', HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out; stdout:\n${stdout}\nstderr:\n${stderr}`)) }, timeoutMs)
    child.on('exit', code => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
  return { child, done }
}

const run = async (args: string[], env: Record<string, string> = {}): Promise<Run> => launch(args, env).done

t.test('--help, --version, unknown flag', async t => {
  const help = await run(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: intelligence-consumer/)
  const version = await run(['--version'])
  t.equal(version.code, 0)
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  const bad = await run(['--frobnicate'])
  t.equal(bad.code, 2)
  t.equal(bad.stderr.trim().split('\n').length, 1, 'one line')
  t.match(bad.stderr, /--frobnicate/)
})

t.test('invalid configuration: one line naming the variable, exit 2', async t => {
  const r = await run([], { KAFKA_MAX_IN_FLIGHT: '-5' })
  t.equal(r.code, 2)
  t.match(r.stderr, /KAFKA_MAX_IN_FLIGHT.*between 1 and 10000/)
})

t.test('--print-config masks secrets', async t => {
  const r = await run(['--print-config'], { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2-very-secret' })
  t.equal(r.code, 0)
  t.notMatch(r.stdout, /hunter2-very-secret/)
  t.match(r.stdout, /"mechanism": "plain"/)
})

t.test('Kafka unreachable: fails loudly with a clear line and exit 1, no silent retry loop', async t => {
  const r = await run([], { KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:1', KAFKA_RETRIES: '1', KAFKA_CONNECTION_TIMEOUT_MS: '300' })
  t.equal(r.code, 1)
  t.match(r.stdout, /"level":"fatal".*cannot start: .*(unreachable|ECONNREFUSED|Connection)/)
})

t.test('a missing topic stops the start with one clear line naming it, exit 1', async t => {
  const topics = await serviceTopics('svc-missing')
  const absent = unique('svc-absent')
  const r = await run([], { ...topics.env, KAFKA_BOOTSTRAP_SERVERS: brokers.join(','), KAFKA_CODEGEN_MIXIN_RESPONSE: absent })
  t.equal(r.code, 1)
  t.match(r.stdout, new RegExp(`"level":"fatal".*topics missing on the cluster.*${absent}`))
  t.notMatch(r.stdout, new RegExp(`${topics.request.mixin}[,;]`), 'existing topics are not named')
})

t.test('starts against the real broker, answers, stops on SIGTERM with exit 0; secrets never logged', async t => {
  const topics = await serviceTopics('svc')
  const requestTopic = topics.request.bench_cpu
  const responseTopic = topics.response.bench_cpu
  const secret = 'sekret-' + unique('pw')
  const code = `def handler():\n    return "${secret}-in-payload"\n`
  await produce(requestTopic, [
    { key: null, value: request({ cpu_ms: 1 }) },
    { key: null, value: request({ cpu_ms: 1, code_content: code }) },
    { key: null, value: `not json ${secret}-in-poison` }
  ])
  const { child, done } = launch([], {
    KAFKA_BOOTSTRAP_SERVERS: brokers.join(','),
    KAFKA_CONSUMER_GROUP: unique('svc-group'),
    ...topics.env,
    // Username and password set without a mechanism: accepted with a warning, and must never show.
    KAFKA_SASL_USERNAME: 'someone',
    KAFKA_SASL_PASSWORD: secret,
    KAFKA_SSL_KEY_PASSWORD: secret + '-key',
    LOG_LEVEL: 'trace'
  })
  await readRecords(responseTopic, 2)
  await readRecords(requestTopic + '.dlq', 1)
  child.kill('SIGTERM')
  const r = await done
  t.equal(r.code, 0, 'graceful stop exits 0')
  t.match(r.stdout, /"consumer stopped"/)
  t.match(r.stdout, /"event dead-lettered"/, 'the poison event was logged (without its value)')
  t.notMatch(r.stdout + r.stderr, new RegExp(secret), 'no secret and no payload content anywhere in the logs')
})
