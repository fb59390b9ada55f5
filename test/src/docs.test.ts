// The README is generated or checked from the code where it can drift: the configuration table and
// the error catalogue.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ERRORS } from '../../src/errors.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const readme = readFileSync(`${root}README.md`, 'utf8')

t.test('every error code is documented in README.md with its dead-letter type', async t => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    const row = readme.split('\n').find(l => l.startsWith(`| \`${code}\``))
    t.ok(row, `${code} has a row`)
    const deadLetter = (spec as { deadLetter?: string }).deadLetter
    if (row !== undefined && deadLetter !== undefined) t.match(row, `\`${deadLetter}\``, `${code} → ${deadLetter}`)
  }
})

t.test('the configuration table matches the schema (npm run build, then scripts/config-table.mjs --write)', async t => {
  const r = spawnSync(process.execPath, [`${root}scripts/config-table.mjs`, '--check'], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
})
