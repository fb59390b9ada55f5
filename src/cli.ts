// Command-line flags of `intelligence-consumer`. Settings themselves come from the config file and env
// (src/config/), never from flags: one place to look when asking "where did this value come from".
import { parseArgs } from 'node:util'
import { IntelligenceError } from './errors.js'

export type CliCommand =
  | { readonly kind: 'run', readonly configPath?: string, readonly printConfig: boolean }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  config: { type: 'string' },
  'print-config': { type: 'boolean' }
} as const

/** Parses argv (without node and the script). Throws IC_CLI_USAGE (exit code 2) with one line. */
export function parseCli (argv: string[]): CliCommand {
  let values
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }))
  } catch (err) {
    // With these fixed options only the arguments can be wrong. Node's first line names the argument
    // (its later lines, for an ambiguous value, explain the --config=VALUE form).
    throw usageError(`${(err as Error).message.split('\n')[0]?.replace(/\.$/, '')}; see --help`, err)
  }
  if (values.help === true) return { kind: 'help' }
  if (values.version === true) return { kind: 'version' }
  if (values.config === '') throw usageError('option --config needs a file path; see --help')
  const printConfig = values['print-config'] === true
  return values.config === undefined ? { kind: 'run', printConfig } : { kind: 'run', configPath: values.config, printConfig }
}

function usageError (message: string, cause?: unknown): IntelligenceError {
  return new IntelligenceError('IC_CLI_USAGE', [message], { cause })
}

export function usage (): string {
  return [
    'Usage: intelligence-consumer [--config PATH] [--print-config]',
    '',
    'Consumes code-analysis requests from Kafka and answers them from a pool of worker threads.',
    '',
    'Options:',
    '  --config PATH    read settings from this JSON file instead of config/<NODE_ENV>.json',
    '  --print-config   print the effective configuration (secrets masked) and exit',
    '  -V, --version    print the version and exit',
    '  -h, --help       print this help and exit',
    '',
    'Every setting is listed, with its environment variable, default and allowed values, in the',
    '"Configuration" table of README.md. Environment variables override the config file.',
    'Exit codes: 0 done, 1 runtime failure (e.g. Kafka unreachable), 2 bad configuration or usage.'
  ].join('\n')
}
