// The Kafka adapter against the real broker: a consumer that kafkajs gave up on with an error that
// only means "no broker answered" (here thrown from the batch callback, the one place a test can make
// kafkajs crash on demand) is run again by the adapter and goes on consuming.
import t from 'tap'
import pino from 'pino'
import { KafkaClient } from '../../src/consumer/kafka-client.js'
import { brokers, createTopics, deleteTopics, produce, unique, until } from '../helpers/kafka.js'

t.test('an outage crash kafkajs does not restart is restarted within the budget', async t => {
  const topic = unique('client-restart')
  await createTopics([topic], 1)
  t.teardown(() => deleteTopics([topic]))
  await produce(topic, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })))
  const client = new KafkaClient({ brokers, clientId: 'test-restart', connectionTimeoutMs: 3000, requestTimeoutMs: 30_000, retries: 2 }, pino({ level: 'silent' }))
  const crashes: Array<{ name: string, restart: boolean }> = []
  let joins = 0
  let outage = false
  await client.connectConsumer({
    groupId: unique('client-restart-group'), fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000,
    rebalanceTimeoutMs: 10_000, fetchMaxWaitMs: 100, fetchMaxBytes: 1 << 20, fetchMaxBytesPerPartition: 1 << 20, outageTimeoutMs: 30_000
  }, [topic], {
    onAssigned: () => { joins++ },
    onRebalancing: () => {},
    onCrash: (err, restart) => { crashes.push({ name: err.name, restart }) },
    onOutage: () => { outage = true }
  })
  t.teardown(() => client.disconnectConsumer())
  const seen = new Set<string>()
  let thrown = false
  await client.run(batch => {
    if (!thrown) {
      thrown = true
      // What kafkajs throws when every broker refused the coordinator lookup: non-retriable.
      throw Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound', retriable: false })
    }
    for (const m of batch.messages) {
      seen.add(m.offset)
      batch.resolveOffset(m.offset)
    }
  })
  await until(() => seen.size === 20, 60_000, 'every record consumed after the restart')
  t.same(crashes, [{ name: 'KafkaJSNonRetriableError', restart: true }], 'reported once (kafkajs wraps the error it gave up on), as restarted')
  t.ok(joins >= 2, `the group was joined again (${joins} joins)`)
  t.equal(outage, false, 'no outage reported')
})
