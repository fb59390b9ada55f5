// How kafkajs failures map to the catalogue: by error name and protocol error type, never by text.
import t from 'tap'
import { classifyKafkaError } from '../../../src/consumer/kafka-client.js'

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
