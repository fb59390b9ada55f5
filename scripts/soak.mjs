#!/usr/bin/env node
// The long version of the chaos suite (test/chaos/): runs every scenario again and again with counts
// and durations scaled up, for a given number of minutes, and prints each scenario's summary line.
//
//   npm run soak -- --minutes 30 [--scale 3]
//
// Exits 1 if any round failed (a lost event, an offset going backwards, a stall, ...); the failing
// round's TAP output is kept in .tap-soak/round-<n>.tap.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, scale: { type: 'string', default: '3' }, help: { type: 'boolean' } } })
if (values.help) {
  console.log('usage: npm run soak -- [--minutes N (30)] [--scale K (3): CHAOS_SCALE, multiplies counts and durations]')
  process.exit(0)
}
const minutes = Number(values.minutes)
const scale = Number(values.scale)
if (!(minutes > 0) || !(scale >= 1)) {
  console.error('soak: --minutes must be > 0 and --scale >= 1')
  process.exit(2)
}

const outDir = join(root, '.tap-soak')
mkdirSync(outDir, { recursive: true })
const tap = join(root, 'node_modules', '.bin', 'tap')
const deadline = Date.now() + minutes * 60_000
const started = Date.now()
let round = 0
let failed = 0
while (Date.now() < deadline) {
  round++
  const out = await new Promise(resolve => {
    let text = ''
    const child = spawn(tap, ['test/chaos', '--disable-coverage', '--reporter=tap', '--timeout=3600', '--jobs=1'], {
      cwd: root, env: { ...process.env, CHAOS_SCALE: String(scale) }
    })
    child.stdout.on('data', d => { text += d })
    child.stderr.on('data', d => { text += d })
    child.on('close', code => resolve({ code, text }))
  })
  for (const line of out.text.split('\n')) {
    const m = line.match(/#\s*(scenario=.*)$/)
    if (m) console.log(`round=${round} ${m[1]}`)
  }
  if (out.code !== 0) {
    failed++
    writeFileSync(join(outDir, `round-${round}.tap`), out.text)
    console.log(`round=${round} FAILED (exit ${out.code}); output in .tap-soak/round-${round}.tap`)
  }
}
console.log(`soak: ${round} rounds in ${((Date.now() - started) / 60_000).toFixed(1)} min at scale ${scale}, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
