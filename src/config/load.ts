// Loads the configuration once, at the boundary: schema defaults, then one JSON file (--config PATH, else
// config/<NODE_ENV>.json when it exists), then environment variables, which always win. Anything wrong
// stops the service with IC_CONFIG_INVALID (exit code 2) and ONE line naming the key, its env var, the
// offending value (secrets masked) and what is allowed. Past this point code trusts a typed, frozen Config.
//
// The checks run in the order an operator would fix things: the file's shape (unknown keys, named with
// the file), then each value against its format, then rules across settings, then files on disk.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs'
import { availableParallelism, hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import convict from 'convict'
import { parseCli } from '../cli.js'
import { createError, type IntelligenceError } from '../errors.js'
import { FORMATS, formatOf, isSetting, schema, settings } from './schema.js'
import type { Config, HandlerConfig, RawConfig, SchemaNode, Setting } from './schema.js'

export { configDocs } from './schema.js'
export type { ConfigDoc } from './schema.js'

export interface LoadOptions {
  /** The process environment, passed explicitly so that tests never depend on the real one. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Command-line arguments (without node and the script); only --config is read from them. */
  readonly argv?: readonly string[]
  /** Wins over a --config in argv. */
  readonly configPath?: string
  /** Defaults to env.NODE_ENV. */
  readonly nodeEnv?: string
}

export interface LoadResult {
  readonly config: Config
  /** Settings that were accepted but have no effect, and files that were looked for in vain. */
  readonly warnings: readonly string[]
  /** Where values came from, lowest precedence first, e.g. `file /srv/config/production.json`. */
  readonly sources: readonly string[]
}

// convict keeps formats in a process-wide registry; the `ic-` prefix keeps ours apart.
convict.addFormats(Object.fromEntries(Object.entries(FORMATS).map(([name, format]) => [name, {
  validate (value: unknown, setting: Setting): void {
    const problem = format.check(value, setting)
    if (problem !== undefined) throw new Error(problem.message)
  },
  coerce: format.coerce
}])))

type Env = Readonly<Record<string, string>>
type Group = { readonly [key: string]: SchemaNode }

export function loadConfig (options: LoadOptions): LoadResult {
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
  const env = withoutEmpty(options.env)
  const warnings: string[] = []
  const file = chooseFile(
    options.configPath ?? configPathFromArgv(options.argv),
    options.nodeEnv ?? options.env.NODE_ENV,
    join(root, 'config'),
    warnings
  )
  const fileValues = file === undefined ? {} : readConfigFile(file)
  throwIfDefined(shapeError(fileValues, schema, '', file))

  const store = convict<RawConfig>(schema, { env, args: [] })
  store.load(fileValues)
  const raw = store.getProperties()
  const refuse = refuser(env)
  throwIfDefined(formatError(raw, refuse))
  // Mirrors the checks above, so it cannot fail unless they drift from convict's own rules: that would
  // be our bug, not the operator's, hence convict's plain error rather than IC_CONFIG_INVALID.
  store.validate({ allowed: 'strict' })

  const config = resolveConfig(raw, {
    parallelism: availableParallelism(),
    hostname: hostname(),
    version: packageVersion(root),
    handlerBaseDir: file === undefined ? root : dirname(file)
  })
  throwIfDefined(crossFieldError(config, raw, refuse) ?? missingFileError(config, refuse))
  return {
    config: deepFreeze(config),
    warnings: [...warnings, ...ignoredSettingWarnings(raw)],
    sources: describeSources(file, env)
  }
}

/** The effective configuration as indented JSON, secrets replaced by "***" (empty ones stay ""). */
export function printableConfig (config: Config): string {
  return JSON.stringify(masked(config, ''), null, 2)
}

// ---- choosing and reading the file --------------------------------------------------------------------

/** The nearest folder at or above `from` holding package.json: the same from src/config and dist/src/config. */
export function findPackageRoot (from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json in ${from} or above`)
    dir = parent
  }
  return dir
}

function packageVersion (root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }
  return String(pkg.version)
}

function configPathFromArgv (argv: readonly string[] | undefined): string | undefined {
  if (argv === undefined) return undefined
  const cli = parseCli([...argv])
  return cli.kind === 'run' ? cli.configPath : undefined
}

const PLAIN_NAME = /^[A-Za-z0-9_-]+$/

function chooseFile (configPath: string | undefined, nodeEnv: string | undefined, configDir: string, warnings: string[]): string | undefined {
  if (configPath !== undefined) return resolve(configPath)
  if (nodeEnv === undefined || nodeEnv === '') return undefined
  // NODE_ENV becomes part of a path: a value like "../x" must not reach outside config/.
  if (!PLAIN_NAME.test(nodeEnv)) {
    warnings.push(`NODE_ENV ${JSON.stringify(nodeEnv)} is not a plain name: no config file read`)
    return undefined
  }
  const candidate = join(configDir, `${nodeEnv}.json`)
  if (existsSync(candidate)) return candidate
  warnings.push(`NODE_ENV=${nodeEnv} but there is no ${candidate}: defaults and environment only`)
  return undefined
}

function readConfigFile (file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw createError('IC_CONFIG_INVALID', `cannot read config file ${file} (${(err as NodeJS.ErrnoException).code})`)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw createError('IC_CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}`)
  }
}

// ---- checks ---------------------------------------------------------------------------------------------

function throwIfDefined (error: IntelligenceError | undefined): void {
  if (error !== undefined) throw error
}

/** Env vars set to "" count as unset, as docker-compose's `FOO=` and `FOO: ""` lines mean. */
export function withoutEmpty (env: Readonly<Record<string, string | undefined>>): Env {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''))
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Compares keys case- and separator-blind, so that max_in_flight finds maxInFlight. */
const looseKey = (key: string): string => key.toLowerCase().replace(/[_-]/g, '')

/** Unknown keys and non-objects where the schema has a group, named with the file they are in. */
function shapeError (value: unknown, group: Group, prefix: string, file: string | undefined): IntelligenceError | undefined {
  const where = `${prefix === '' ? 'top level' : prefix} (in ${file})`
  const known = Object.keys(group)
  if (!isPlainObject(value)) {
    return createError('IC_CONFIG_INVALID', `${where} = ${shortJson(value)}: must be an object with the keys ${known.join(', ')}`)
  }
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    if (!Object.hasOwn(group, key)) {
      const near = known.find(k => looseKey(k) === looseKey(key))
      const hint = near === undefined ? `the keys here are ${known.join(', ')}` : `did you mean ${prefix === '' ? near : `${prefix}.${near}`}?`
      return createError('IC_CONFIG_INVALID', `${path} (in ${file}): unknown key; ${hint}`)
    }
    const node = group[key] as SchemaNode
    // convict would merge an object into a setting (even into handlers' array) rather than replace it.
    const error = !isSetting(node)
      ? shapeError(child, node, path, file)
      : isPlainObject(child)
        ? createError('IC_CONFIG_INVALID', `${path} (in ${file}) = ${shortJson(child)}: must be ${formatOf(node).describe(node)}`)
        : undefined
    if (error !== undefined) return error
  }
  return undefined
}

type Refuse = (key: string, setting: Setting, value: unknown, message: string) => IntelligenceError

function shortJson (value: unknown): string {
  const text = String(JSON.stringify(value))
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}

/**
 * Builds the one-line refusal. The value shown is the env var's own text when it came from env (so
 * KAFKA_MAX_IN_FLIGHT=0 reads "0", as typed), else the file's JSON value; a non-empty secret is "***".
 */
function refuser (env: Env): Refuse {
  return (key, setting, value, message) => {
    const fromEnv = setting.env === undefined ? undefined : env[setting.env]
    const shown = setting.sensitive && value !== '' ? '"***"' : shortJson(fromEnv ?? value)
    const label = setting.env === undefined ? key : `${key} (${setting.env})`
    return createError('IC_CONFIG_INVALID', `${label} = ${shown}: ${message}`)
  }
}

function valueAt (raw: RawConfig, key: string): unknown {
  return key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], raw)
}

function formatError (raw: RawConfig, refuse: Refuse): IntelligenceError | undefined {
  for (const [key, setting] of settings()) {
    const problem = formatOf(setting).check(valueAt(raw, key), setting)
    if (problem === undefined) continue
    // A refinement (`handlers[1].module`) shows the inner value; the env text belongs to the whole key.
    return problem.at === ''
      ? refuse(key, setting, problem.value, problem.message)
      : refuse(`${key}${problem.at}`, { ...setting, env: undefined }, problem.value, problem.message)
  }
  return undefined
}

function crossFieldError (config: Config, raw: RawConfig, refuse: Refuse): IntelligenceError | undefined {
  const { kafka, processing, topics } = config
  const s = schema
  if (kafka.heartbeatIntervalMs * 3 > kafka.sessionTimeoutMs) {
    return refuse('kafka.heartbeatIntervalMs', s.kafka.heartbeatIntervalMs, kafka.heartbeatIntervalMs,
      `must be at most a third of kafka.sessionTimeoutMs (${kafka.sessionTimeoutMs}), i.e. at most ${Math.floor(kafka.sessionTimeoutMs / 3)}`)
  }
  const { sasl, ssl } = kafka
  const needsSasl = `required when kafka.sasl.mechanism is ${sasl.mechanism}`
  if (sasl.mechanism !== '' && sasl.username === '') return refuse('kafka.sasl.username', s.kafka.sasl.username, '', needsSasl)
  if (sasl.mechanism !== '' && sasl.password === '') return refuse('kafka.sasl.password', s.kafka.sasl.password, '', needsSasl)
  // A certificate without its key (or the reverse) cannot authenticate; say so before connecting.
  if (ssl.certFile !== '' && ssl.keyFile === '') return refuse('kafka.ssl.keyFile', s.kafka.ssl.keyFile, '', 'required when kafka.ssl.certFile is set')
  if (ssl.keyFile !== '' && ssl.certFile === '') return refuse('kafka.ssl.certFile', s.kafka.ssl.certFile, '', 'required when kafka.ssl.keyFile is set')
  if (processing.queueLowWater >= processing.queueHighWater) {
    const high = raw.processing.queueHighWater === 0
      ? `${processing.queueHighWater}, from processing.maxInFlight`
      : `${processing.queueHighWater}`
    return refuse('processing.queueLowWater', s.processing.queueLowWater, processing.queueLowWater,
      `must be below processing.queueHighWater (${high})`)
  }
  if (processing.retryBackoffMs > processing.retryBackoffMaxMs) {
    return refuse('processing.retryBackoffMaxMs', s.processing.retryBackoffMaxMs, processing.retryBackoffMaxMs,
      `must be at least processing.retryBackoffMs (${processing.retryBackoffMs})`)
  }
  const longest = requestTopics(config).reduce((a, b) => (b.length > a.length ? b : a))
  if (longest.length + topics.dlqSuffix.length > 249) {
    return refuse('topics.dlqSuffix', s.topics.dlqSuffix, topics.dlqSuffix,
      `makes the dead-letter topic of ${longest} longer than 249 characters`)
  }
  return undefined
}

/** Every topic this service consumes, hence every topic that may need a dead-letter twin. */
export function requestTopics (config: Config): string[] {
  const { topics } = config
  return [
    topics.validateRequest, topics.analyzeRequest, topics.patternRequest, topics.mixinRequest,
    topics.benchCpuRequest,
    ...config.handlers.flatMap(h => h.topics)
  ].filter(t => t !== '')
}

function isReadableFile (file: string): boolean {
  try {
    accessSync(file, constants.R_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

function missingFileError (config: Config, refuse: Refuse): IntelligenceError | undefined {
  const ssl = schema.kafka.ssl
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    const file = config.kafka.ssl[key]
    if (file !== '' && !isReadableFile(file)) return refuse(`kafka.ssl.${key}`, ssl[key], file, 'must be a readable file')
  }
  return undefined
}

function ignoredSettingWarnings (raw: RawConfig): string[] {
  const { kafka } = raw
  const warnings: string[] = []
  const ignored = (key: 'enableAutoCommit' | 'maxPollRecords', why: string): void => {
    if (kafka[key] !== null) warnings.push(`kafka.${key} (${String(schema.kafka[key].env)}) is set but ignored: ${why}`)
  }
  ignored('enableAutoCommit', 'offsets are committed only once every earlier event is finished')
  ignored('maxPollRecords', 'fetching is bounded by processing.queueHighWater and the fetch byte limits')
  if (kafka.sasl.mechanism === '' && (kafka.sasl.username !== '' || kafka.sasl.password !== '')) {
    warnings.push('kafka.sasl.username or kafka.sasl.password is set but kafka.sasl.mechanism (KAFKA_SASL_MECHANISM) is empty: SASL is off')
  }
  const { enabled, caFile, certFile, keyFile, keyPassword } = kafka.ssl
  if (!enabled && [caFile, certFile, keyFile, keyPassword].some(v => v !== '')) {
    warnings.push('kafka.ssl files are set but kafka.ssl.enabled (KAFKA_SSL_ENABLED) is false: TLS is off')
  }
  return warnings
}

function describeSources (file: string | undefined, env: Env): string[] {
  const names = settings().flatMap(([, s]) => (s.env !== undefined && env[s.env] !== undefined ? [s.env] : []))
  return [
    'defaults',
    ...(file === undefined ? [] : [`file ${file}`]),
    ...(names.length === 0 ? [] : [`env ${names.join(', ')}`])
  ]
}

// ---- resolution -----------------------------------------------------------------------------------------

export interface Facts {
  readonly parallelism: number
  readonly hostname: string
  readonly version: string
  /** Folder that relative handler module paths are relative to: the config file's. */
  readonly handlerBaseDir: string
}

/** Fills in the "auto" values; pure, so that tests can pass their own facts. */
export function resolveConfig (raw: RawConfig, facts: Facts): Config {
  const { processing, pool, service } = raw
  const high = processing.queueHighWater === 0 ? processing.maxInFlight : processing.queueHighWater
  return {
    ...raw,
    processing: {
      ...processing,
      queueHighWater: high,
      queueLowWater: processing.queueLowWater === 0 ? Math.floor(high / 2) : processing.queueLowWater
    },
    pool: { ...pool, threads: pool.threads === 0 ? facts.parallelism : pool.threads },
    service: {
      ...service,
      sourceInstance: service.sourceInstance === '' ? facts.hostname : service.sourceInstance,
      sourceVersion: service.sourceVersion === '' ? facts.version : service.sourceVersion
    },
    handlers: raw.handlers.map(entry => resolveHandler(entry as HandlerEntry, facts.handlerBaseDir))
  }
}

/** A handlers[] entry as it stands after validation (see the ic-handlers format). */
interface HandlerEntry {
  readonly module: string
  readonly export?: string
  readonly eventTypes?: string[]
  readonly topics?: string[]
  readonly responseTopic?: string
  readonly options?: Record<string, unknown>
}

function resolveHandler (entry: HandlerEntry, baseDir: string): HandlerConfig {
  return {
    module: entry.module.startsWith('./') || entry.module.startsWith('../') ? resolve(baseDir, entry.module) : entry.module,
    export: entry.export ?? 'default',
    eventTypes: entry.eventTypes ?? [],
    topics: entry.topics ?? [],
    responseTopic: entry.responseTopic ?? '',
    options: entry.options ?? {}
  }
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

const SENSITIVE = new Set(settings().filter(([, s]) => s.sensitive).map(([key]) => key))

function masked (node: unknown, key: string): unknown {
  if (SENSITIVE.has(key)) return node === '' ? '' : '***'
  if (!isPlainObject(node)) return node
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, masked(v, key === '' ? k : `${key}.${k}`)]))
}
