// mixin: recommend mixins for a node from its requirements. Candidates per node type are the old
// service's; confidence is the share of a mixin's keywords the requirements mention (stem match, so
// "caching" meets "cache").
import { stems, stem } from '../analysis/text.js'
import { nodeTypeOf, type NodeType } from './payload.js'
import { HandlerInputError, type HandlerDefinition, type JsonObject } from './types.js'

interface MixinSpec {
  readonly keywords: readonly string[]
  readonly requiredConfig: Readonly<Record<string, unknown>>
}

export const MIXINS: Readonly<Record<string, MixinSpec>> = {
  EventBusMixin: { keywords: ['event', 'publish', 'subscribe', 'kafka', 'message', 'notify'], requiredConfig: { bootstrap_servers: 'localhost:9092', topic_prefix: 'omninode', publish_timeout_ms: 5000 } },
  CachingMixin: { keywords: ['cache', 'ttl', 'redis', 'memoize', 'lookup', 'latency'], requiredConfig: { cache_backend: 'memory', ttl_seconds: 300, max_entries: 1000 } },
  HealthCheckMixin: { keywords: ['health', 'liveness', 'readiness', 'status', 'monitor', 'uptime'], requiredConfig: { health_check_interval_seconds: 30, timeout_seconds: 5 } },
  MetricsMixin: { keywords: ['metric', 'prometheus', 'monitor', 'latency', 'throughput', 'observability'], requiredConfig: { metrics_prefix: 'onex_node', export_interval_seconds: 15 } },
  RetryMixin: { keywords: ['retry', 'transient', 'backoff', 'failure', 'resilient', 'timeout'], requiredConfig: { max_attempts: 3, initial_backoff_ms: 100, max_backoff_ms: 5000 } },
  CircuitBreakerMixin: { keywords: ['circuit', 'breaker', 'failure', 'fallback', 'resilient', 'outage'], requiredConfig: { failure_threshold: 5, recovery_timeout_seconds: 30, half_open_max_calls: 1 } },
  ValidationMixin: { keywords: ['validate', 'schema', 'input', 'constraint', 'sanitize', 'check'], requiredConfig: { strict: true, fail_fast: false } },
  PerformanceTrackerMixin: { keywords: ['performance', 'latency', 'profile', 'duration', 'benchmark', 'slow'], requiredConfig: { slow_threshold_ms: 500, sample_rate: 1.0 } },
  AggregationMixin: { keywords: ['aggregate', 'sum', 'count', 'group', 'window', 'total'], requiredConfig: { window_seconds: 60, group_by: [] } },
  StateManagementMixin: { keywords: ['state', 'transition', 'snapshot', 'consistent', 'version', 'history'], requiredConfig: { state_store: 'memory', snapshot_interval: 100 } },
  PersistenceMixin: { keywords: ['persist', 'store', 'database', 'save', 'durable', 'postgres'], requiredConfig: { connection_ref: 'container:database', batch_size: 100 } },
  WorkflowMixin: { keywords: ['workflow', 'step', 'stage', 'sequence', 'pipeline', 'orchestrate'], requiredConfig: { max_parallel_steps: 4, step_timeout_seconds: 60 } },
  DependencyManagementMixin: { keywords: ['dependency', 'depend', 'order', 'prerequisite', 'graph', 'resolve'], requiredConfig: { resolve_strategy: 'topological', fail_on_cycle: true } },
  ErrorHandlingMixin: { keywords: ['error', 'exception', 'failure', 'compensate', 'rollback', 'recover'], requiredConfig: { error_code_enum: 'CoreErrorCode', compensation_enabled: true } }
}

export const CANDIDATES: Readonly<Record<NodeType, readonly string[]>> = {
  effect: ['EventBusMixin', 'CachingMixin', 'HealthCheckMixin', 'MetricsMixin', 'RetryMixin', 'CircuitBreakerMixin'],
  compute: ['ValidationMixin', 'CachingMixin', 'MetricsMixin', 'PerformanceTrackerMixin'],
  reducer: ['AggregationMixin', 'StateManagementMixin', 'CachingMixin', 'MetricsMixin', 'PersistenceMixin'],
  orchestrator: ['WorkflowMixin', 'DependencyManagementMixin', 'ErrorHandlingMixin', 'MetricsMixin', 'CircuitBreakerMixin']
}

/** Bounds the text matched, whatever the producer sends. */
const MAX_REQUIREMENTS_CHARS = 100_000

export function requirementsText (value: unknown): string {
  if (typeof value === 'string' && value.trim().length > 0) return value.slice(0, MAX_REQUIREMENTS_CHARS)
  if (Array.isArray(value)) {
    const parts = value.filter((v): v is string => typeof v === 'string')
    const text = parts.join('\n').slice(0, MAX_REQUIREMENTS_CHARS)
    if (text.trim().length > 0) return text
  }
  if (value === undefined || value === null || (typeof value === 'string') || Array.isArray(value)) throw new HandlerInputError('Missing required field: requirements')
  throw new HandlerInputError('Field requirements must be a list of strings or a string')
}

function mixin (payload: JsonObject): JsonObject {
  const text = requirementsText(payload.requirements)
  const nodeType = nodeTypeOf(payload.node_type) ?? 'effect'
  const words = new Set(stems(text))
  const recommendations = CANDIDATES[nodeType]
    .map(name => {
      const spec = MIXINS[name]
      const found = spec === undefined ? [] : spec.keywords.filter(k => words.has(stem(k)))
      const confidence = spec === undefined ? 0 : Math.round(found.length / spec.keywords.length * 1000) / 1000
      return {
        mixin_name: name,
        confidence,
        reason: `Requirements mention ${found.join(', ')} (${found.length} of ${spec?.keywords.length ?? 0} ${name} keywords) for a ${nodeType} node`,
        required_config: { ...spec?.requiredConfig }
      }
    })
    .filter(r => r.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence)
  const avg = recommendations.length === 0 ? 0 : recommendations.reduce((s, r) => s + r.confidence, 0) / recommendations.length
  return { recommendations, count: recommendations.length, avg_confidence: Math.round(avg * 1000) / 1000 }
}

export const mixinHandler: HandlerDefinition = Object.freeze({
  name: 'mixin',
  eventTypes: Object.freeze(['codegen.request.mixin', 'mixin.recommend', 'omninode.codegen.request.mixin.v1']),
  payloadType: 'CodegenMixinResponse',
  errorCode: 'MIXIN_ERROR',
  handle: mixin
})
