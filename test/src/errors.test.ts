import t from 'tap'
import { createError, ERRORS } from '../../src/errors.js'

t.test('messages fill placeholders in order', async t => {
  const err = createError('IC_EVENT_TOO_LARGE', 2048, 1024)
  t.equal(err.message, 'value is 2048 bytes, over the limit of 1024 bytes')
  t.equal(err.deadLetter, 'payload_too_large')
  t.equal(err.code, 'IC_EVENT_TOO_LARGE')
  t.ok(Object.keys(ERRORS).length > 5)
})

t.test('missing arguments leave the placeholder empty rather than throw', async t => {
  t.equal(createError('IC_HANDLER_FAILED', 'validate').message, 'handler validate failed: ')
})
