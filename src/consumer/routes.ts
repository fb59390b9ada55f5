// The default routes: the four code-analysis handlers on the wire contract's topics, plus the
// synthetic CPU handler when a topic is named for it (tests and benchmarks).

import type { RouteSpec } from '../pool/task.js'

export interface TopicNames {
  readonly validateRequest: string
  readonly analyzeRequest: string
  readonly patternRequest: string
  readonly mixinRequest: string
  readonly validateResponse: string
  readonly analyzeResponse: string
  readonly patternResponse: string
  readonly mixinResponse: string
  /** Empty: the synthetic CPU handler is not subscribed. */
  readonly benchCpuRequest: string
  readonly benchCpuResponse: string
}

export const CONTRACT_TOPICS: TopicNames = Object.freeze({
  validateRequest: 'omninode.codegen.request.validate.v1',
  analyzeRequest: 'omninode.codegen.request.analyze.v1',
  patternRequest: 'omninode.codegen.request.pattern.v1',
  mixinRequest: 'omninode.codegen.request.mixin.v1',
  validateResponse: 'omninode.codegen.response.validate.v1',
  analyzeResponse: 'omninode.codegen.response.analyze.v1',
  patternResponse: 'omninode.codegen.response.pattern.v1',
  mixinResponse: 'omninode.codegen.response.mixin.v1',
  benchCpuRequest: '',
  benchCpuResponse: 'bench.cpu.response.v1'
})

const BUILTINS = ['validate', 'analyze', 'pattern', 'mixin'] as const

export function defaultRoutes (names: Partial<TopicNames> = {}): RouteSpec[] {
  const t: TopicNames = { ...CONTRACT_TOPICS, ...names }
  const routes: RouteSpec[] = BUILTINS.map(name => ({
    handler: { builtin: name },
    topics: [t[`${name}Request`]],
    eventTypes: [],
    responseTopic: t[`${name}Response`],
    options: {}
  }))
  if (t.benchCpuRequest !== '') {
    routes.push({ handler: { builtin: 'bench_cpu' }, topics: [t.benchCpuRequest], eventTypes: [], responseTopic: t.benchCpuResponse, options: {} })
  }
  return routes
}
