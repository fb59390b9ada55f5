// Which handler takes a request: the envelope's `event_type` when present (it decides, as in the old
// service), else the topic it arrived on. Built once per worker thread from the routes in workerData.

import { pathToFileURL } from 'node:url'
import type { RouteSpec } from '../src/pool/task.js'
import { benchCpuHandler } from './handlers/bench-cpu.js'
import { builtinHandlers } from './handlers/index.js'
import type { HandlerDefinition, HandlerFn } from './handlers/types.js'

export interface Route {
  readonly handler: HandlerDefinition
  readonly responseTopic: string
  readonly options: Readonly<Record<string, unknown>>
}

export class Router {
  readonly #byEventType = new Map<string, Route>()
  readonly #byTopic = new Map<string, Route>()

  constructor (routes: ReadonlyArray<{ spec: RouteSpec, handler: HandlerDefinition }>) {
    for (const { spec, handler } of routes) {
      const route: Route = { handler, responseTopic: spec.responseTopic, options: Object.freeze({ ...spec.options }) }
      for (const type of [...handler.eventTypes, ...spec.eventTypes]) this.#byEventType.set(type, route)
      for (const topic of spec.topics) {
        this.#byTopic.set(topic, route)
        // The old service inferred `codegen.request.validate` from `omninode.codegen.request.validate.v1`;
        // a producer may send either form, and the topic itself, as event_type.
        this.#byEventType.set(topic, route)
      }
    }
  }

  resolve (eventType: string | undefined, topic: string): Route | undefined {
    if (eventType !== undefined) return this.#byEventType.get(eventType)
    return this.#byTopic.get(topic)
  }
}

const builtins = new Map<string, HandlerDefinition>([...builtinHandlers, benchCpuHandler].map(h => [h.name, h]))

/**
 * Loads a route's handler: a built-in by name, or a user's module (absolute path or package name)
 * whose export is a HandlerDefinition-like object with `handle()`, or a bare function.
 */
export async function loadHandler (spec: RouteSpec): Promise<HandlerDefinition> {
  if ('builtin' in spec.handler) {
    const h = builtins.get(spec.handler.builtin)
    if (h === undefined) throw new Error(`unknown built-in handler ${spec.handler.builtin}`)
    return h
  }
  const { module, export: name } = spec.handler
  const mod = await import(module.startsWith('/') ? pathToFileURL(module).href : module) as Record<string, unknown>
  const exported = mod[name]
  if (typeof exported === 'function') {
    return { name, eventTypes: [], payloadType: `${name}Response`, errorCode: 'HANDLER_ERROR', handle: exported as HandlerFn }
  }
  const def = exported as Partial<HandlerDefinition> | undefined
  if (def === undefined || typeof def.handle !== 'function') {
    throw new Error(`handler module ${module} has no export ${name} with a handle() function`)
  }
  return {
    name: def.name ?? name,
    eventTypes: def.eventTypes ?? [],
    payloadType: def.payloadType ?? `${name}Response`,
    errorCode: def.errorCode ?? 'HANDLER_ERROR',
    handle: def.handle.bind(def)
  }
}

export async function buildRouter (specs: readonly RouteSpec[]): Promise<Router> {
  return new Router(await Promise.all(specs.map(async spec => ({ spec, handler: await loadHandler(spec) }))))
}
