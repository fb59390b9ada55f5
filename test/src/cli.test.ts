import t from 'tap'
import { parseCli, usage } from '../../src/cli.js'
import { isIntelligenceError } from '../../src/errors.js'

t.test('flags', async t => {
  t.same(parseCli([]), { kind: 'run', printConfig: false })
  t.same(parseCli(['--print-config']), { kind: 'run', printConfig: true })
  t.same(parseCli(['--config', 'a.json']), { kind: 'run', configPath: 'a.json', printConfig: false })
  t.same(parseCli(['--config=b.json', '--print-config']), { kind: 'run', configPath: 'b.json', printConfig: true })
  t.same(parseCli(['--config=-odd.json']), { kind: 'run', configPath: '-odd.json', printConfig: false })
  t.same(parseCli(['-h']), { kind: 'help' })
  t.same(parseCli(['--print-config', '--help']), { kind: 'help' }, 'help wins')
  t.same(parseCli(['-V']), { kind: 'version' })
  t.same(parseCli(['--version']), { kind: 'version' })
  t.same(parseCli(['-hV']), { kind: 'help' })
})

type Tap = Parameters<Parameters<typeof t.test>[0]>[0]

function usageError (t: Tap, argv: string[]): string {
  try {
    parseCli(argv)
  } catch (err) {
    t.ok(isIntelligenceError(err))
    if (!isIntelligenceError(err)) throw err
    t.equal(err.code, 'IC_CLI_USAGE')
    t.equal(err.exitCode, 2)
    t.notMatch(err.message, /\n/, 'one line')
    return err.message
  }
  t.fail(`expected ${JSON.stringify(argv)} to be refused`)
  return ''
}

t.test('a wrong flag or a missing value is a usage error with exit code 2 and one line', async t => {
  t.equal(usageError(t, ['--verbose']), "Unknown option '--verbose'; see --help")
  t.equal(usageError(t, ['-x']), "Unknown option '-x'; see --help")
  t.equal(usageError(t, ['--config']), "Option '--config <value>' argument missing; see --help")
  t.equal(usageError(t, ['--config', '--print-config']), "Option '--config' argument is ambiguous; see --help")
  t.equal(usageError(t, ['--config', '']), 'option --config needs a file path; see --help')
  t.match(usageError(t, ['run']), /^Unexpected argument 'run'/)
  t.match(usageError(t, ['--help=yes']), /does not take an argument; see --help$/)
})

t.test('usage lists the flags and points at the configuration table', async t => {
  const text = usage()
  for (const flag of ['--config PATH', '--print-config', '--version', '--help', '-h', '-V']) t.match(text, flag)
  t.match(text, 'README.md')
})
