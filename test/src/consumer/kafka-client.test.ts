// How kafkajs failures map to the catalogue: by error name and protocol error type, never by text.
import t from 'tap'
import { classifyKafkaError, restartsAfterCrash } from '../../../src/consumer/kafka-client.js'

const err = (name: string, message: string, type?: string): Error => Object.assign(new Error(message), { name }, type === undefined ? {} : { type })

t.test('authentication refusals are IC_KAFKA_AUTH', async t => {
  t.equal(classifyKafkaError(err('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA256 authentication failed'))?.code, 'IC_KAFKA_AUTH')
  for (const type of ['SASL_AUTHENTICATION_FAILED', 'UNSUPPORTED_SASL_MECHANISM', 'ILLEGAL_SASL_STATE']) {
    t.equal(classifyKafkaError(err('KafkaJSProtocolError', 'refused', type))?.code, 'IC_KAFKA_AUTH', type)
  }
})

t.test('reachability failures are IC_KAFKA_UNREACHABLE, with the cause kept', async t => {
  for (const name of ['KafkaJSNumberOfRetriesExceeded', 'KafkaJSConnectionError', 'KafkaJSNonRetriableError', 'KafkaJSBrokerNotFound']) {
    const cause = err(name, 'connect ECONNREFUSED 127.0.0.1:1')
    const classified = classifyKafkaError(cause)
    t.equal(classified?.code, 'IC_KAFKA_UNREACHABLE', name)
    t.equal(classified?.cause, cause)
    t.equal(classified?.exitCode, 1)
  }
})

t.test('anything else is left to the caller, whatever its text says', async t => {
  t.equal(classifyKafkaError(err('KafkaJSProtocolError', 'SASL authentication failed', 'UNKNOWN_TOPIC_OR_PARTITION')), undefined)
  t.equal(classifyKafkaError(new Error('boom')), undefined)
  t.equal(classifyKafkaError(undefined), undefined)
})

t.test('a crash kafkajs gives up on is restarted by us only when it means "no broker answered", within the outage budget', async t => {
  const coordinatorGone = err('KafkaJSGroupCoordinatorNotFound', 'Failed to find group coordinator')
  t.equal(restartsAfterCrash(coordinatorGone, false, 20_000, 45_000), true, 'coordinator lookup failed 20 s into a 45 s budget')
  t.equal(restartsAfterCrash(coordinatorGone, false, 45_000, 45_000), false, 'the budget is spent: the outage is reported')
  t.equal(restartsAfterCrash(coordinatorGone, true, 20_000, 45_000), false, 'kafkajs restarts it itself')
  const wrapped = Object.assign(err('KafkaJSNonRetriableError', 'Failed to find group coordinator'), { cause: coordinatorGone })
  t.equal(restartsAfterCrash(wrapped, false, 20_000, 45_000), true, 'as kafkajs reports it: wrapped, the original as the cause')
  for (const name of ['KafkaJSBrokerNotFound', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError']) {
    t.equal(restartsAfterCrash(err(name, 'x'), false, 0, 45_000), true, name)
  }
  t.equal(restartsAfterCrash(err('KafkaJSNonRetriableError', 'Cannot subscribe to topic while consumer is running'), false, 0, 45_000), false,
    'any other non-retriable error stays fatal')
  t.equal(restartsAfterCrash(new Error('boom'), false, 0, 45_000), false)
})
