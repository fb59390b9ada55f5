#!/usr/bin/env node
// Generates README.md's configuration table from the schema, so that the table cannot drift from it.
//
//   node scripts/config-table.mjs           print the table
//   node scripts/config-table.mjs --write   replace the block between the config-table markers in README.md
//   node scripts/config-table.mjs --check   exit 1 when README.md's block differs from the schema
//
// Reads the compiled schema (dist/src/config/schema.js): run `npm run build` first.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const schemaFile = join(root, 'dist', 'src', 'config', 'schema.js')
const readme = join(root, 'README.md')
const START = '<!-- config-table:start -->'
const END = '<!-- config-table:end -->'

function fail (message, code = 1) {
  process.stderr.write(`config-table: ${message}\n`)
  process.exit(code)
}

/** Markdown-safe table cell: pipes escaped, line breaks flattened. */
const cell = text => String(text).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
const code = text => (text === '' ? '' : `\`${cell(text)}\``)

export function renderTable (rows) {
  const lines = [
    '| Key | Environment variable | Default | Allowed | Meaning |',
    '|---|---|---|---|---|',
    ...rows.map(r => `| ${code(r.key)} | ${r.env === '' ? '(config file only)' : code(r.env)} | ${r.default === '' ? '(empty)' : code(r.default)} | ${cell(r.format)} | ${cell(r.doc)} |`)
  ]
  return lines.join('\n')
}

/** README text with the block between the markers replaced, or undefined when the markers are missing. */
export function replaceBlock (text, table) {
  const start = text.indexOf(START)
  const end = text.indexOf(END, start)
  if (start === -1 || end === -1) return undefined
  return `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`
}

async function main (args) {
  const mode = args[0] ?? '--print'
  if (!['--print', '--write', '--check'].includes(mode) || args.length > 1) fail('usage: config-table.mjs [--write | --check]', 2)
  if (!existsSync(schemaFile)) fail(`${schemaFile} not found: run \`npm run build\` first`, 2)
  const { configDocs } = await import(pathToFileURL(schemaFile).href)
  const table = renderTable(configDocs())
  if (mode === '--print') {
    process.stdout.write(`${table}\n`)
    return
  }
  if (!existsSync(readme)) fail(`${readme} not found`)
  const text = readFileSync(readme, 'utf8')
  const updated = replaceBlock(text, table)
  if (updated === undefined) fail(`README.md lacks the ${START} ... ${END} block`)
  if (mode === '--check') {
    if (updated !== text) fail('README.md\'s configuration table is out of date: run `npm run build && node scripts/config-table.mjs --write`')
    return
  }
  if (updated !== text) writeFileSync(readme, updated)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2))
}
