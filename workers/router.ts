// Which handler takes a request: the envelope's `event_type` when present (it decides, as in the old
// service), else the topic it arrived on. Built once per worker thread from the routes in workerData.

import type { RouteSpec } from '../src/pool/task.js'
import type { HandlerDefinition } from './handlers/types.js'

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
