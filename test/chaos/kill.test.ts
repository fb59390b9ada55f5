// Scenarios 1 and 4: the service process killed with SIGKILL at random moments mid-stream and
// restarted; and SIGTERM while it is busy. Nothing may be lost; what is redone is bounded by what was
// finished but not yet committed when the process died.
import t from 'tap'
import { launchService, type Service } from '../helpers/service.js'
import { brokers } from '../helpers/kafka.js'
import { History, requestFor, scaled, serviceEnv, sleep, summary, waitFor } from './lib/history.js'

const running = (s: Service): Promise<unknown> => s.waitForLine(l => l.msg === 'consumer started', 60_000)

t.test('kill -9 at random moments, then restart: none lost, duplicates bounded by finished-but-uncommitted', async t => {
  const h = new History(brokers, 'kill')
  const env = await serviceEnv(h, brokers, 3, { KAFKA_MAX_IN_FLIGHT: '8', WORKER_THREADS: '2' })
  const n = scaled(1200)
  await h.produce(n, id => requestFor(id, { cpu_ms: 3 }))
  h.startOffsetWatch()
  const kills = scaled(3)
  let redoBound = 0
  for (let k = 0; k < kills; k++) {
    const s = launchService(env)
    await running(s)
    await sleep(500 + Math.random() * 2000)
    s.child.kill('SIGKILL')
    await s.exited
    // What a restart may redo: answered (or dead-lettered) but not committed at the moment of death.
    const published = await h.count(h.responseTopic) + await h.count(h.dlqTopic)
    redoBound += Math.max(0, published - await h.committedTotal())
  }
  const last = launchService(env)
  await running(last)
  await waitFor(() => h.fullyCommitted(), 180_000, 'every offset committed')
  last.child.kill('SIGTERM')
  t.equal((await last.exited).code, 0, 'the last run stops cleanly')
  const violations = await h.stopOffsetWatch()
  const o = await h.outcome()
  t.comment(summary('kill-9', o, { kills }))
  t.equal(o.lost, 0, 'none lost')
  t.equal(o.answered, n, 'every event answered')
  t.ok(o.duplicates <= redoBound, `duplicates ${o.duplicates} <= finished-but-uncommitted at the kills ${redoBound}`)
  t.same(violations, [], 'committed offsets never went backwards')
})

t.test('SIGTERM while busy: finished work committed, exit 0, a restart redoes nothing finished', async t => {
  const h = new History(brokers, 'term')
  const env = await serviceEnv(h, brokers, 2, { KAFKA_MAX_IN_FLIGHT: '4', WORKER_THREADS: '2', SHUTDOWN_TIMEOUT_MS: '20000' })
  const n = scaled(120)
  await h.produce(n, id => requestFor(id, { cpu_ms: 150 }))
  h.startOffsetWatch()
  const first = launchService(env)
  await running(first)
  await waitFor(async () => await h.count(h.responseTopic) >= 10, 60_000, 'some answered')
  first.child.kill('SIGTERM')
  const exit = await first.exited
  t.equal(exit.code, 0, 'exit 0')
  t.match(exit.stdout, /"stopping: draining in-flight events"/)
  t.notMatch(exit.stdout, /abandoning in-flight events/, 'in-flight events finished inside the deadline')
  const answeredBefore = await h.count(h.responseTopic)
  t.equal(await h.committedTotal(), answeredBefore, 'everything answered before the stop is committed')

  const second = launchService(env)
  await running(second)
  await waitFor(() => h.fullyCommitted(), 120_000, 'the rest committed')
  second.child.kill('SIGTERM')
  t.equal((await second.exited).code, 0)
  const violations = await h.stopOffsetWatch()
  const o = await h.outcome()
  t.comment(summary('sigterm', o, { kills: 0, restarts: 1 }))
  t.equal(o.lost, 0, 'none lost')
  t.equal(o.duplicates, 0, 'nothing redone: in-flight work finished and was committed at the stop')
  t.same(violations, [])
})
