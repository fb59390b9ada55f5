#!/usr/bin/env node
// A real single-node Apache Kafka broker (KRaft, combined broker + controller) for local runs, tests
// and benchmarks, fetched from Maven Central by `mvn` and run with plain Java 17. No Docker, no mocks.
//
//   node scripts/kafka.mjs start     start in the background and wait until it answers metadata
//   node scripts/kafka.mjs stop      SIGTERM (clean shutdown hook), SIGKILL only after 30 s
//   node scripts/kafka.mjs status    exit 0 when it answers, 3 when not running
//   node scripts/kafka.mjs topics    create the service's request, response and dead-letter topics
//   node scripts/kafka.mjs run [--topics] -- CMD [ARGS...]
//        run CMD against a broker: the one named by KAFKA_BOOTSTRAP_SERVERS, else the local one
//        (started when needed and stopped afterwards if this command started it). Exits with CMD's code.
//
// Every step is idempotent: start when running is a no-op, start after a crash (stale pid file, data
// dir left behind) recovers, stop when not running is a no-op. State lives in .kafka/ (git-ignored).
//
// Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_SASL_PORT (KAFKA_PORT+2),
// KAFKA_HEAP (512m), KAFKA_STATE_DIR (<repo>/.kafka), KAFKA_START_TIMEOUT_MS (90000).
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import kafkajs from 'kafkajs'

const { Kafka, logLevel } = kafkajs
const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')

const port = intEnv('KAFKA_PORT', 9092)
const controllerPort = intEnv('KAFKA_CONTROLLER_PORT', port + 1)
const saslPort = intEnv('KAFKA_SASL_PORT', port + 2)
const heap = process.env.KAFKA_HEAP || '512m'
const stateDir = resolve(process.env.KAFKA_STATE_DIR || join(root, '.kafka'))
const startTimeoutMs = intEnv('KAFKA_START_TIMEOUT_MS', 90_000)
const libDir = join(stateDir, 'lib')
const dataDir = join(stateDir, 'data')
const logDir = join(stateDir, 'logs')
const pidFile = join(stateDir, 'broker.pid')
const propsFile = join(stateDir, 'server.properties')
const log4jFile = join(stateDir, 'log4j2.properties')
const pom = join(here, 'kafka', 'pom.xml')

/** Credentials of the SASL listener. Local test broker only: never use them anywhere else. */
export const SASL_USER = 'intelligence'
export const SASL_PASSWORD = 'intelligence-local-secret'
export const bootstrap = `127.0.0.1:${port}`
export const saslBootstrap = `127.0.0.1:${saslPort}`

function intEnv (name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`kafka: ${name}=${raw} is not a port/number in 1..65535`)
    process.exit(2)
  }
  return n
}

function say (msg) { process.stderr.write(`kafka: ${msg}\n`) }

function kafkaVersion () {
  return /<kafka\.version>([^<]+)</.exec(readFileSync(pom, 'utf8'))[1]
}

/** Copy the broker's runtime classpath once per Kafka version; ~/.m2 makes later fetches offline-fast. */
function ensureClasspath () {
  const version = kafkaVersion()
  const marker = join(libDir, `.kafka-${version}`)
  if (existsSync(marker)) return
  say(`fetching Apache Kafka ${version} runtime with mvn (first run only)`)
  rmSync(libDir, { recursive: true, force: true })
  mkdirSync(libDir, { recursive: true })
  const r = spawnSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies',
    '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`mvn dependency:copy-dependencies failed (exit ${r.status ?? r.error})`)
  writeFileSync(marker, version)
}

function writeConfig () {
  mkdirSync(dataDir, { recursive: true })
  mkdirSync(logDir, { recursive: true })
  const props = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    listeners: `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    'log.dirs': dataDir,
    'num.partitions': '3',
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '5',
    'share.coordinator.state.topic.replication.factor': '1',
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '2',
    'background.threads': '2',
    'log.cleaner.dedupe.buffer.size': '2097152',
    // Tests produce messages up to a few MB (oversized-payload cases); allow them on the wire so that
    // the service, not the broker, is what refuses them.
    'message.max.bytes': String(16 * 1024 * 1024),
    'replica.fetch.max.bytes': String(16 * 1024 * 1024),
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,PLAIN',
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-256,PLAIN',
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config':
      `org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USER}="${SASL_PASSWORD}";`
  }
  writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')
  writeFileSync(log4jFile, [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = FILE',
    `appender.file.fileName = ${join(logDir, 'server.log')}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = FILE',
    'logger.kafka.name = kafka',
    'logger.kafka.level = INFO',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
    ''
  ].join('\n'))
}

function javaArgs (mainClass, args) {
  return [`-Xmx${heap}`, '-Xms128m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp', `${libDir}/*`, mainClass, ...args]
}

/** Format once; `--ignore-formatted` makes a re-run (after a crash with the data dir left) a no-op. */
function formatStorage () {
  if (existsSync(join(dataDir, 'meta.properties'))) return
  // A cluster id starting with '-' is taken for an option by the storage tool's argument parser
  // ("argument --cluster-id/-t: expected one argument", 1 format in 64); Kafka's own Uuid.randomUuid()
  // draws again in that case, and so do we.
  let clusterId
  do clusterId = randomBytes(16).toString('base64url')
  while (clusterId.startsWith('-'))
  const r = spawnSync('java', javaArgs('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', propsFile,
    '--ignore-formatted', '--add-scram', `SCRAM-SHA-256=[name=${SASL_USER},password=${SASL_PASSWORD}]`]),
  { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`kafka storage format failed:\n${r.stdout}\n${r.stderr}`)
}

function readPid () {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch { return undefined }
}

function alive (pid) {
  try { process.kill(pid, 0); return true } catch (err) { return err.code === 'EPERM' }
}

/** The process behind the pid file, if it is still our broker (a stale pid may now belong to another). */
function brokerPid () {
  const pid = readPid()
  if (pid === undefined || !alive(pid)) return undefined
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    if (!cmdline.includes('kafka.Kafka') || !cmdline.includes(propsFile)) return undefined
  } catch { /* no /proc: trust the pid */ }
  return pid
}

/** True when a broker answers a metadata request on the given address. */
export async function answers (brokers = bootstrap, timeoutMs = 3000) {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs, retry: { retries: 0 } })
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.describeCluster()
    return true
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

export async function start () {
  const running = brokerPid()
  if (running !== undefined && await answers()) {
    say(`already running (pid ${running}) on ${bootstrap}`)
    return false
  }
  if (running !== undefined) {
    // Alive but not answering: still starting, or wedged. Give it the start timeout, then replace it.
    if (await waitUntilReady(running)) return false
    say(`pid ${running} does not answer; stopping it`)
    await stop()
  }
  if (await answers()) throw new Error(`something else already answers on ${bootstrap}; set KAFKA_PORT`)
  rmSync(pidFile, { force: true })
  ensureClasspath()
  writeConfig()
  formatStorage()
  const out = openSync(join(logDir, 'server.out'), 'a')
  const started = Date.now()
  const child = spawn('java', javaArgs('kafka.Kafka', [propsFile]), {
    detached: true, stdio: ['ignore', out, out], cwd: stateDir
  })
  child.unref()
  writeFileSync(pidFile, String(child.pid))
  if (!await waitUntilReady(child.pid)) {
    const tail = readFileSync(join(logDir, 'server.out'), 'utf8').split('\n').slice(-30).join('\n')
    await stop()
    throw new Error(`broker did not answer within ${startTimeoutMs} ms; last lines of server.out:\n${tail}`)
  }
  say(`Apache Kafka ${kafkaVersion()} started (pid ${child.pid}) on ${bootstrap}, SASL on ${saslBootstrap}` +
    ` in ${Date.now() - started} ms`)
  return true
}

async function waitUntilReady (pid) {
  const deadline = Date.now() + startTimeoutMs
  while (Date.now() < deadline) {
    if (!alive(pid)) return false
    if (await answers(bootstrap, 1000)) return true
    await sleep(250)
  }
  return false
}

export async function stop () {
  const pid = brokerPid()
  if (pid === undefined) {
    rmSync(pidFile, { force: true })
    say('not running')
    return
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + 30_000
  while (alive(pid) && Date.now() < deadline) await sleep(100)
  if (alive(pid)) {
    say(`pid ${pid} ignored SIGTERM for 30 s; killing it`)
    process.kill(pid, 'SIGKILL')
    while (alive(pid)) await sleep(100)
  }
  rmSync(pidFile, { force: true })
  say(`stopped (pid ${pid})`)
}

async function status () {
  const pid = brokerPid()
  const ok = await answers(process.env.KAFKA_BOOTSTRAP_SERVERS || bootstrap)
  let rss = ''
  if (pid !== undefined) {
    try { rss = ' rss=' + /VmRSS:\s+(\d+ kB)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1] } catch {}
  }
  console.log(ok ? `running${pid ? ` pid=${pid}` : ' (not started by this project)'} on ${bootstrap}${rss}` : 'not running')
  return ok ? 0 : 3
}

/** The service's topics with the contract's default names; env overrides as the service reads them. */
export function serviceTopics (env = process.env) {
  const types = ['validate', 'analyze', 'pattern', 'mixin']
  const requests = types.map(t => env[`KAFKA_CODEGEN_${t.toUpperCase()}_REQUEST`] || `omninode.codegen.request.${t}.v1`)
  const responses = types.map(t => env[`KAFKA_CODEGEN_${t.toUpperCase()}_RESPONSE`] || `omninode.codegen.response.${t}.v1`)
  return [...requests, ...responses, ...requests.map(t => `${t}.dlq`)]
}

/**
 * Creates the missing topics and waits until every partition of every topic has a leader. A broker that
 * has just started (more so on a loaded machine) can refuse or not yet know a topic for a while
 * ("This server does not host this topic-partition"): retried for up to `deadlineMs`.
 */
export async function createTopics (brokers, topics = serviceTopics(), numPartitions = 3, deadlineMs = 60_000) {
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const until = Date.now() + deadlineMs
  let created = 0
  try {
    for (;;) {
      try {
        const existing = new Set(await admin.listTopics())
        const missing = topics.filter(t => !existing.has(t))
        if (missing.length > 0) {
          await admin.createTopics({ waitForLeaders: true, topics: missing.map(topic => ({ topic, numPartitions })) })
          created += missing.length
        }
        const { topics: described } = await admin.fetchTopicMetadata({ topics })
        const leaderless = described.filter(t => t.partitions.length === 0 || t.partitions.some(p => p.leader < 0)).map(t => t.name)
        if (leaderless.length > 0) throw new Error(`no leader yet for ${leaderless.join(', ')}`)
        break
      } catch (err) {
        if (Date.now() > until) throw err
        await sleep(500)
      }
    }
    say(`topics ready (${created} created, ${topics.length - created} existed)`)
  } finally {
    await admin.disconnect()
  }
}

async function run (argv) {
  const sep = argv.indexOf('--')
  const opts = sep === -1 ? [] : argv.slice(0, sep)
  const cmd = sep === -1 ? argv : argv.slice(sep + 1)
  if (cmd.length === 0) throw new Error('run: nothing to run (usage: run [--topics] -- CMD [ARGS...])')
  let brokers = process.env.KAFKA_BOOTSTRAP_SERVERS
  let startedHere = false
  if (!brokers) {
    startedHere = await start()
    brokers = bootstrap
  }
  if (opts.includes('--topics')) {
    try {
      await createTopics(brokers)
    } catch (err) {
      // Never leave behind a broker this command started.
      if (startedHere) await stop()
      throw err
    }
  }
  // Ctrl-C reaches the whole foreground group: let the child handle it and wait for its exit, then
  // stop what we started.
  const ignore = () => {}
  process.on('SIGINT', ignore)
  process.on('SIGTERM', ignore)
  const child = spawn(cmd[0], cmd.slice(1), {
    stdio: 'inherit', env: { ...process.env, KAFKA_BOOTSTRAP_SERVERS: brokers }
  })
  const forward = (sig) => () => child.kill(sig)
  process.on('SIGTERM', forward('SIGTERM'))
  const code = await new Promise(resolve => child.on('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1))))
  if (startedHere) await stop()
  return code
}

async function cli () {
  const [cmd, ...rest] = process.argv.slice(2)
  switch (cmd) {
    case 'start': await start(); return 0
    case 'stop': await stop(); return 0
    case 'status': return status()
    case 'topics': await createTopics(process.env.KAFKA_BOOTSTRAP_SERVERS || bootstrap); return 0
    case 'run': return run(rest)
    case 'clean': await stop(); rmSync(dataDir, { recursive: true, force: true }); return 0
    default:
      console.error('usage: node scripts/kafka.mjs start|stop|status|topics|clean|run [--topics] -- CMD [ARGS...]')
      return 2
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli().then(code => { process.exitCode = code }, err => {
    console.error(`kafka: ${err.message}`)
    process.exitCode = 1
  })
}
