// The handlers shipped with the service; configuration can add more (see the worker entry).
import { analyzeHandler } from './analyze.js'
import { mixinHandler } from './mixin.js'
import { patternHandler } from './pattern.js'
import type { HandlerDefinition } from './types.js'
import { validateHandler } from './validate.js'

export { analyzeHandler, mixinHandler, patternHandler, validateHandler }

export const builtinHandlers: readonly HandlerDefinition[] = Object.freeze([validateHandler, analyzeHandler, patternHandler, mixinHandler])
