// Several events per pool task (real worker threads, no Kafka): each event gets its own output, timing
// and deadline, and a task that loses its thread blames only the event that caused it; the others run
// again alone and are answered.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { WorkerPool } from '../../../src/pool/pool.js'
import type { RouteSpec, TaskEvent } from '../../../src/pool/task.js'
import { timedHandlerModule } from '../../helpers/consumer.js'

const timedRoute: RouteSpec = { handler: { module: timedHandlerModule, export: 'timed' }, topics: ['req'], eventTypes: [], responseTopic: 'resp', options: {} }
const source = { service: 's', instance: 'i', version: 'v' }

function pool (threads: number, slots: number, taskTimeoutMs = 30_000): WorkerPool {
  return new WorkerPool({
    threads,
    slots,
    routes: [timedRoute],
    source,
    resourceLimits: { maxOldGenerationSizeMb: 96, stackSizeMb: 4 },
    taskTimeoutMs
  })
}

/** Events whose values share one SharedArrayBuffer, as the consumer lays out a fetched batch. */
function events (payloads: Array<Record<string, unknown>>, firstSlot = 0): { events: TaskEvent[], keys: string[] } {
  const values = payloads.map(p => Buffer.from(JSON.stringify({ correlation_id: randomUUID(), payload: p })))
  const shared = new SharedArrayBuffer(values.reduce((n, v) => n + v.length, 0))
  let at = 0
  const keys: string[] = []
  const list = values.map((bytes, i) => {
    const value = new Uint8Array(shared, at, bytes.length)
    value.set(bytes)
    at += bytes.length
    keys.push(JSON.parse(bytes.toString()).correlation_id)
    return { slot: firstSlot + i, topic: 'req', partition: 0, offset: String(i), value, attempt: 1 }
  })
  return { events: list, keys }
}

t.test('a task of several events: one output per event, in order, each with its own timing', async t => {
  const p = pool(1, 16)
  t.teardown(() => p.close())
  await p.ready()
  const { events: batch, keys } = events(Array.from({ length: 8 }, (_, i) => ({ seq: i, cpu_ms: 20 })))
  const results = await p.run(batch)
  t.equal(results.length, 8)
  t.same(results.map(r => r.output.kind === 'reply' ? r.output.key : r.output.kind), keys, 'each event answered, in order')
  for (const [i, r] of results.entries()) {
    t.ok(r.timing.runMs >= 15 && r.timing.runMs < 1000, `event ${i} ran ~20 ms (${r.timing.runMs.toFixed(1)})`)
  }
  const last = results[7]
  t.ok(last !== undefined && last.timing.waitMs >= 7 * 15, `the last one waited behind the seven before it (${last?.timing.waitMs.toFixed(0)} ms)`)
  const payloads = results.map(r => r.output.kind === 'reply' ? JSON.parse(r.output.value).payload : undefined)
  for (let i = 1; i < payloads.length; i++) t.ok(payloads[i].start >= payloads[i - 1].end, `event ${i} started after event ${i - 1} ended`)
  t.equal(p.stats().running, 0, 'no slot left marked running')
  t.equal(p.idleThreads, 1)
})

t.test('the deadline is per event: a task longer than it is not aborted while each event stays under it', async t => {
  const p = pool(1, 8, 600)
  t.teardown(() => p.close())
  await p.ready()
  // 5 × 250 ms = 1.25 s in one task, twice the deadline; no event runs longer than 250 ms.
  const results = await p.run(events(Array.from({ length: 5 }, () => ({ cpu_ms: 250 }))).events)
  t.same(results.map(r => r.output.kind), ['reply', 'reply', 'reply', 'reply', 'reply'])
  t.equal(p.stats().workersReplaced, 0)
})

t.test('an event past its deadline fails alone as a timeout; the rest of its task is answered', async t => {
  const p = pool(2, 8, 500)
  t.teardown(() => p.close())
  await p.ready()
  const { events: batch } = events([{ cpu_ms: 1 }, { cpu_ms: 1 }, { cpu_ms: 60_000 }, { cpu_ms: 1 }, { cpu_ms: 1 }])
  const results = await p.run(batch)
  t.same(results.map(r => r.output.kind === 'failed' ? r.output.code : 'reply'),
    ['reply', 'reply', 'IC_HANDLER_TIMEOUT', 'reply', 'reply'])
  t.equal(p.stats().workersReplaced, 1, 'the culprit is not run a second time')
})

for (const [fault, code] of [['exit', 'IC_WORKER_CRASH'], ['oom', 'IC_WORKER_RESOURCE_LIMIT']] as const) {
  t.test(`a worker killed by one event (${fault}): that event fails with ${code}, the others of its task are answered`, async t => {
    const p = pool(2, 8)
    t.teardown(() => p.close())
    await p.ready()
    const { events: batch, keys } = events([{ cpu_ms: 1 }, { cpu_ms: 1 }, { [fault]: true }, { cpu_ms: 1 }, { cpu_ms: 1 }])
    const results = await p.run(batch)
    t.same(results.map(r => r.output.kind === 'failed' ? r.output.code : 'reply'), ['reply', 'reply', code, 'reply', 'reply'])
    for (const [i, r] of results.entries()) {
      if (r.output.kind === 'reply') t.equal(r.output.key, keys[i], `event ${i}: its own answer`)
    }
    // The batch's thread, then the culprit's own thread when it ran again alone.
    t.equal(p.stats().workersReplaced, 2)
    const after = await p.run(events([{ cpu_ms: 1 }, { cpu_ms: 1 }]).events)
    t.same(after.map(r => r.output.kind), ['reply', 'reply'], 'the pool still serves batches')
  })
}

t.test('idleThreads counts threads without a submitted task', async t => {
  const p = pool(2, 8)
  t.teardown(() => p.close())
  await p.ready()
  t.equal(p.idleThreads, 2)
  const a = p.run(events([{ cpu_ms: 100 }], 0).events)
  t.equal(p.idleThreads, 1)
  const b = p.run(events([{ cpu_ms: 100 }, { cpu_ms: 1 }], 1).events)
  const c = p.run(events([{ cpu_ms: 1 }], 3).events)
  t.equal(p.idleThreads, 0, 'never below 0 with more tasks than threads')
  await Promise.all([a, b, c])
  t.equal(p.idleThreads, 2)
})
