// The worker pool alone (real worker threads, no Kafka): pathological code never hangs or kills the
// pool, a deadline is measured from the task's real start, and a pool whose handlers cannot load
// refuses to start instead of swallowing tasks, and a task that dies unstarted behind a culprit runs again.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { WorkerPool } from '../../../src/pool/pool.js'
import type { RouteSpec, TaskInput } from '../../../src/pool/task.js'

const validateRoute: RouteSpec = { handler: { builtin: 'validate' }, topics: ['req'], eventTypes: [], responseTopic: 'resp', options: {} }
const cpuRoute: RouteSpec = { handler: { builtin: 'bench_cpu' }, topics: ['cpu'], eventTypes: [], responseTopic: 'resp', options: {} }
const source = { service: 's', instance: 'i', version: 'v' }

function pool (routes: RouteSpec[], slots: number, taskTimeoutMs = 30_000): WorkerPool {
  return new WorkerPool({
    threads: Math.min(2, availableParallelism()),
    slots,
    routes,
    source,
    resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 4 },
    taskTimeoutMs
  })
}

function task (slot: number, topic: string, payload: Record<string, unknown>): TaskInput {
  const bytes = Buffer.from(JSON.stringify({ correlation_id: randomUUID(), payload }))
  const value = new Uint8Array(new SharedArrayBuffer(bytes.length))
  value.set(bytes)
  return { slot, topic, partition: 0, offset: String(slot), value, attempt: 1 }
}

t.test('pathological code gets an answer and leaves the pool whole', async t => {
  const p = pool([validateRoute], 8)
  t.teardown(() => p.close())
  await p.ready()
  const inputs: Array<[string, Record<string, unknown>]> = [
    ['python nested 3,000 deep', { code_content: Array.from({ length: 3000 }, (_, i) => ' '.repeat(i) + 'if x:').join('\n') + '\n' + ' '.repeat(3000) + 'pass\n' }],
    ['typescript nested 5,000 deep', { language: 'typescript', code_content: '('.repeat(5000) + '1' + ')'.repeat(5000) }],
    ['a 5 MB single line', { code_content: 'x = ' + '1+'.repeat(2_500_000) + '1' }],
    ['binary bytes', { code_content: '\u0000\u0001\u0002\u00ff'.repeat(10_000) }],
    ['an empty string', { code_content: '' }]
  ]
  const results = await Promise.all(inputs.map(async ([, payload], i) => p.run(task(i, 'req', payload))))
  for (const [i, { output }] of results.entries()) {
    t.equal(output.kind, 'reply', `${inputs[i]?.[0]}: answered (a result or the contract error response)`)
  }
  t.equal(p.stats().workersReplaced, 0, 'no worker died')
  const after = await p.run(task(0, 'req', { code_content: 'def ok() -> int:\n    return 1\n' }))
  t.equal(after.output.kind, 'reply', 'still serving')
})

t.test('the deadline counts from the real start: queued time is not run time', async t => {
  const p = new WorkerPool({ threads: 1, slots: 3, routes: [cpuRoute], source, resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 }, taskTimeoutMs: 1500 })
  t.teardown(() => p.close())
  await p.ready()
  // One thread, three tasks of ~600 ms each: the last waits ~1.2 s in the queue, runs 600 ms, and must
  // not be aborted although 1.8 s pass between its submission and its end.
  const runs = await Promise.all([0, 1, 2].map(async slot => p.run(task(slot, 'cpu', { cpu_ms: 600 }))))
  for (const r of runs) t.equal(r.output.kind, 'reply')
  const last = runs[2]
  t.ok(last !== undefined && last.timing.waitMs > last.timing.runMs / 2, `the last one waited (${last?.timing.waitMs.toFixed(0)} ms) before it ran`)
  const slow = await p.run(task(0, 'cpu', { cpu_ms: 60_000 }))
  t.match(slow.output, { kind: 'failed', code: 'IC_HANDLER_TIMEOUT' }, 'a task that runs past it is aborted')
  t.equal(p.stats().workersReplaced, 1)
  t.equal((await p.run(task(1, 'cpu', { cpu_ms: 1 }))).output.kind, 'reply', 'the replacement worker serves')
})

t.test('a pool whose handler module cannot load refuses to start', async t => {
  const p = pool([{ ...validateRoute, handler: { module: '/nonexistent/handler.mjs', export: 'default' } }], 2)
  t.teardown(() => p.close())
  await t.rejects(p.ready(), /worker threads failed to start/)
})

t.test('a task queued behind one that kills its worker is run again, not reported as a crash', async t => {
  const p = new WorkerPool({ threads: 1, slots: 2, routes: [cpuRoute], source, resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 }, taskTimeoutMs: 1000 })
  t.teardown(() => p.close())
  await p.ready()
  // One thread holds both tasks: the second waits at the worker behind the first, which runs past
  // its deadline; terminating the thread takes the unstarted second task down with it.
  const [culprit, innocent] = await Promise.all([
    p.run(task(0, 'cpu', { cpu_ms: 60_000 })),
    p.run(task(1, 'cpu', { cpu_ms: 1 }))
  ])
  t.match(culprit?.output, { kind: 'failed', code: 'IC_HANDLER_TIMEOUT' }, 'the culprit fails with its own cause')
  t.equal(innocent?.output.kind, 'reply', 'the task behind it is answered')
  t.equal(p.stats().workersReplaced, 1, 'one worker replaced')
  t.equal(p.stats().tasksRerun, 1, 'one task run again')
})

t.test('quick events share tasks; a culprit among them fails alone and the others are answered', async t => {
  // A generous work target per task: on a loaded machine even a no-op can be measured at a few
  // hundred µs, and this test is about what happens inside a shared task, not about the target.
  const p = new WorkerPool({
    threads: 1, slots: 40, routes: [cpuRoute], source, resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 }, taskTimeoutMs: 1500, batch: { targetMs: 100 }
  })
  t.teardown(() => p.close())
  await p.ready()
  // Learn the run time of a quick event first: until it is known, every event goes alone.
  for (let i = 0; i < 60; i++) await p.run(task(0, 'cpu', { cpu_ms: 0 }))
  const before = p.stats().tasksPosted
  const quick = await Promise.all(Array.from({ length: 30 }, async (_, slot) => p.run(task(slot, 'cpu', { cpu_ms: 0 }))))
  t.ok(quick.every(r => r.output.kind === 'reply'), 'every quick event answered')
  const tasks = p.stats().tasksPosted - before
  t.ok(tasks <= 5, `30 quick events handed over together went in ${tasks} tasks`)
  // Handed over in one go, 12 quick events and, in their middle, one that runs past its deadline: it
  // kills its thread, and with it the answers of those that ran before it in its task and of those
  // waiting behind it.
  const mixed = await Promise.all(Array.from({ length: 13 }, async (_, slot) => p.run(task(slot, 'cpu', { cpu_ms: slot === 6 ? 60_000 : 0 }))))
  t.match(mixed[6]?.output, { kind: 'failed', code: 'IC_HANDLER_TIMEOUT' }, 'the culprit fails with its own cause')
  t.same(mixed.filter((_, i) => i !== 6).map(r => r.output.kind), Array(12).fill('reply'), 'every other event answered')
  t.equal(p.stats().workersReplaced, 1, 'one worker replaced')
  t.ok(p.stats().tasksRerun >= 1, `the innocents ran again (${p.stats().tasksRerun})`)
})
