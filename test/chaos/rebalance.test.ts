// Scenario 2: three consumers in one group, one stopped and a new one started every few seconds (a
// rebalance storm). None lost; no partition stalls (the group's committed total keeps moving after
// each rebalance); committed offsets never go backwards, so no member committed results of partitions
// it had lost.
import t from 'tap'
import { IntelligenceKafkaConsumer } from '../../src/consumer/intelligence-consumer.js'
import { brokers } from '../helpers/kafka.js'
import { History, requestFor, scaled, sleep, summary, waitFor } from './lib/history.js'

t.test('rebalance storm with three members: none lost, no stall, offsets never backwards', async t => {
  const h = new History(brokers, 'storm3')
  await h.createTopics(6)
  const n = scaled(4000)
  await h.produce(n, id => requestFor(id, { cpu_ms: 6 }))
  const make = (): IntelligenceKafkaConsumer => new IntelligenceKafkaConsumer({
    bootstrapServers: brokers,
    groupId: h.groupId,
    routes: [{ handler: { builtin: 'bench_cpu' }, topics: [h.requestTopic], eventTypes: [], responseTopic: h.responseTopic, options: {} }],
    threads: 1,
    maxInFlight: 8,
    commitIntervalMs: 200,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
    rebalanceTimeoutMs: 10_000
  })
  h.startOffsetWatch(200)
  const members = [make(), make(), make()]
  t.teardown(async () => { await Promise.all(members.map(async m => m.stop())) })
  await Promise.all(members.map(async m => m.start()))
  let restarts = 0
  let stalls = 0
  let dropped = 0
  const stopStarts = scaled(3)
  const started = Date.now()
  while (restarts < stopStarts) {
    await sleep(500 + Math.random() * 1500)
    const i = Math.floor(Math.random() * members.length)
    const leaving = members[i] as IntelligenceKafkaConsumer
    await leaving.stop()
    dropped += leaving.getMetrics().results_dropped
    const before = await h.committedTotal()
    const joining = make()
    members[i] = joining
    await joining.start()
    restarts++
    // Progress after the rebalance, unless everything was already committed.
    try {
      await waitFor(async () => await h.committedTotal() > before || await h.fullyCommitted(), 30_000, 'progress after a rebalance')
    } catch {
      stalls++
    }
  }
  await waitFor(() => h.fullyCommitted(), 180_000, 'every offset committed')
  for (const m of members) dropped += m.getMetrics().results_dropped
  await Promise.all(members.map(async m => m.stop()))
  const violations = await h.stopOffsetWatch()
  const o = await h.outcome()
  t.comment(summary('rebalance-storm', o, { kills: restarts, members: 3, results_dropped: dropped }))
  t.comment(`storm of ${restarts} stop/starts took ${Date.now() - started} ms`)
  t.equal(o.lost, 0, 'none lost')
  t.equal(o.answered, n)
  t.equal(stalls, 0, 'progress within 30 s after every rebalance')
  t.same(violations, [], 'committed offsets never went backwards')
})
