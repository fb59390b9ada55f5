// Scenario 3, on a broker of its own (the shared one must stay up for the other files): the broker
// stopped for 20 s mid-stream, then started again: the service reconnects and finishes, nothing lost,
// and still stops cleanly. Then the broker gone for good under a backlog (partitions paused): the
// service must exit non-zero with a clear fatal line, at its first crash once KAFKA_OUTAGE_TIMEOUT_MS
// has run out (no restart cycle on a dead cluster), within a bound, not hang.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { launchService, type LogLine } from '../helpers/service.js'
import { History, requestFor, SCALE, scaled, serviceEnv, sleep, summary, waitFor } from './lib/history.js'

// Two brokers (ours and the shared one) plus the service on a busy machine: more than tap's default.
t.setTimeout(300_000 * SCALE)

const root = fileURLToPath(new URL('../../', import.meta.url))
const script = join(root, 'scripts', 'kafka.mjs')

async function bindable (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const server = createServer().once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A port whose +1 (controller) and +2 (SASL) are free too: a soak and `npm test` may run side by side. */
async function freeBrokerPort (): Promise<number> {
  if (process.env.CHAOS_KAFKA_PORT !== undefined) return Number(process.env.CHAOS_KAFKA_PORT)
  for (let port = 19292; port < 20292; port += 10) {
    if (await bindable(port) && await bindable(port + 1) && await bindable(port + 2)) return port
  }
  throw new Error('no free port triple between 19292 and 20292 for the chaos broker')
}

const port = await freeBrokerPort()
const stateDir = mkdtempSync(join(tmpdir(), 'chaos-kafka-'))
const brokerEnv: NodeJS.ProcessEnv = { ...process.env, KAFKA_PORT: String(port), KAFKA_STATE_DIR: stateDir }
delete brokerEnv.KAFKA_BOOTSTRAP_SERVERS
delete brokerEnv.KAFKA_CONTROLLER_PORT
delete brokerEnv.KAFKA_SASL_PORT
const broker = async (cmd: 'start' | 'stop'): Promise<void> => { await promisify(execFile)(process.execPath, [script, cmd], { env: brokerEnv }) }

// Reuse the runtime the shared broker already fetched with Maven instead of fetching it again.
const sharedLib = join(resolve(process.env.KAFKA_STATE_DIR ?? join(root, '.kafka')), 'lib')
if (existsSync(sharedLib)) { mkdirSync(stateDir, { recursive: true }); symlinkSync(sharedLib, join(stateDir, 'lib')) }

t.teardown(async () => {
  await broker('stop').catch(() => {})
  rmSync(stateDir, { recursive: true, force: true })
})

t.test('broker down for 20 s mid-stream: reconnects and finishes; broker gone for good: exits non-zero', async t => {
  await broker('start')
  const brokers = [`127.0.0.1:${port}`]
  const h = new History(brokers, 'outage')
  const outageMs = scaled(20_000)
  const maxInFlight = 8
  const env = await serviceEnv(h, brokers, 2, {
    KAFKA_MAX_IN_FLIGHT: String(maxInFlight),
    WORKER_THREADS: '2',
    // This outage must be survived: the budget is well past it, the retries are the defaults (8).
    KAFKA_OUTAGE_TIMEOUT_MS: String(outageMs + 120_000),
    SHUTDOWN_TIMEOUT_MS: '5000'
  })
  const n = scaled(1500)
  // ~7 s of work left when the broker is told to stop (n/5 answered): its shutdown takes ~3 s.
  await h.produce(n, id => requestFor(id, { cpu_ms: 12 }))
  const s = launchService(env, { timeoutMs: 600_000 * SCALE })
  // On a failed assertion or check, do not leave the service running until the launch timeout.
  t.teardown(() => { if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL') })
  await s.waitForLine(l => l.msg === 'consumer started', 60_000)
  await waitFor(async () => await h.count(h.responseTopic) >= n / 5, 120_000, 'a fifth answered')
  await broker('stop')
  await sleep(outageMs)
  t.equal(s.child.exitCode, null, `still running after a ${outageMs} ms outage`)
  await broker('start')
  h.startOffsetWatch()
  // What a restart may redo: published but not committed when the broker came back. (Records, so
  // duplicates already written count too; the service keeps its partitions, so expect none.)
  let redoBound = 0
  let answeredAtRestart = 0
  await waitFor(async () => {
    answeredAtRestart = await h.count(h.responseTopic)
    redoBound = answeredAtRestart + await h.count(h.dlqTopic) - await h.committedTotal()
    return true
  }, 60_000, 'the restarted broker answering offset queries')
  await waitFor(() => h.fullyCommitted(), 240_000 * SCALE, 'every offset committed after the broker came back')
  s.child.kill('SIGTERM')
  const stopped = await s.exited
  const violations = await h.stopOffsetWatch()
  const o = await h.outcome()
  t.comment(summary('broker-outage', o, { kills: 0, outage_ms: outageMs, answered_at_restart: answeredAtRestart }))
  t.ok(answeredAtRestart < n, `the outage hit mid-stream (${answeredAtRestart} of ${n} answered when the broker came back)`)
  t.equal(o.lost, 0, 'none lost')
  t.equal(o.answered, n, 'every event answered')
  t.ok(o.duplicates <= Math.max(0, redoBound), `duplicates ${o.duplicates} <= published but uncommitted when the broker came back (${redoBound})`)
  t.same(violations, [], 'committed offsets never went backwards')
  t.equal(stopped.code, 0, 'after the outage, SIGTERM still stops it cleanly (exit 0)')

  // Gone for good, with a backlog queued so that every partition is paused: kafkajs then "fetches"
  // without touching the network, which must not count as the cluster answering. Retries 5: kafkajs
  // gives up after ~15-23 s of backoff (300 ms doubling, ±20 %), longer than the 8 s budget, so the
  // first crash must already be fatal.
  const outageTimeoutMs = 8000
  const s2 = launchService({ ...env, KAFKA_MAX_IN_FLIGHT: '4', KAFKA_RETRIES: '5', KAFKA_OUTAGE_TIMEOUT_MS: String(outageTimeoutMs) }, { timeoutMs: 300_000 })
  t.teardown(() => { if (s2.child.exitCode === null && s2.child.signalCode === null) s2.child.kill('SIGKILL') })
  await s2.waitForLine(l => l.msg === 'consumer started', 60_000)
  const backlog = scaled(150)
  await h.produce(backlog, id => requestFor(id, { cpu_ms: 150 }))
  await waitFor(async () => await h.count(h.responseTopic) >= n + 4, 120_000, 'the backlog being worked on')
  const goneAt = Date.now()
  await broker('stop')
  const exit = await s2.exited
  const tookMs = Date.now() - goneAt
  const lines = s2.lines()
  const restarts = lines.filter(l => l.msg === 'kafka consumer crashed; kafkajs restarts it').length
  const fatal = lines.find(l => l.level === 'fatal') as (LogLine & { code?: string }) | undefined
  t.comment(`scenario=broker-gone exit_code=${exit.code} exited_after_ms=${tookMs} outage_timeout_ms=${outageTimeoutMs} restarts=${restarts} fatal=${JSON.stringify(fatal?.msg ?? null)}`)
  t.equal(exit.code, 1, 'exit 1')
  t.ok(fatal !== undefined && (fatal.code === 'IC_KAFKA_UNREACHABLE' || fatal.code === 'IC_KAFKA_CRASH'), 'a fatal line with the catalogue code says why')
  t.match(fatal?.msg ?? '', /^Kafka (brokers unreachable|consumer crashed)/, 'the fatal line reads as the cause')
  t.equal(restarts, 0, 'the first crash past the budget is fatal: no restart cycle on a dead cluster')
  // kafkajs' backoff (≤ 23 s) + the shutdown deadline (5 s) + disconnects against a dead broker; the
  // rest is slack for a busy machine.
  t.ok(tookMs < 120_000, `exited within 120 s of the broker going away (${tookMs} ms)`)
})
