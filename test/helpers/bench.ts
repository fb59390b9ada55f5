// Runs a compiled bench tool (npm test builds first) in quick mode against the test broker, as a user
// would: a child process with the tool's own arguments, its JSON and SVG written to a temporary folder.

import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brokers, kafka } from './kafka.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

export interface BenchRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** The JSON the tool wrote, parsed. */
  readonly json: unknown
  /** Names of the files it wrote. */
  readonly files: readonly string[]
  /** The SVG chart it wrote, if any. */
  readonly svg: string | undefined
}

export async function runBenchTool (tool: 'size' | 'compare' | 'flood', args: readonly string[] = []): Promise<BenchRun> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${tool}-`))
  const child = spawn(process.execPath, [join(root, 'dist', 'bench', `${tool}.js`), '--quick', '--brokers', brokers.join(','), '--out', dir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  const files = readdirSync(dir)
  const read = (ext: string): string | undefined => {
    const file = files.find(f => f.endsWith(ext))
    return file === undefined ? undefined : readFileSync(join(dir, file), 'utf8')
  }
  const jsonText = read('.json')
  const svg = read('.svg')
  rmSync(dir, { recursive: true, force: true })
  return { code, stdout, stderr, json: jsonText === undefined ? undefined : JSON.parse(jsonText), files, svg }
}

/** Whether the broker still has the topic (the tools delete theirs at the end). */
export async function topicExists (topic: string): Promise<boolean> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return (await admin.listTopics()).includes(topic)
  } finally {
    await admin.disconnect()
  }
}
