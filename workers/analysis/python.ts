// Python facts from tree-sitter (web-tree-sitter + the grammar WASM of tree-sitter-wasms). The grammar is
// loaded once per thread, on first use. The walk is one iterative TreeCursor pass: no recursion, so code
// nested thousands deep cannot exhaust the stack; only interesting nodes are materialised as `Node`
// objects because each one crosses the WASM boundary.
import { createRequire } from 'node:module'
import { Language, Parser, type Node, type TreeCursor } from 'web-tree-sitter'
import {
  addSyntaxError, countIdentifier, emptyFacts, enterFunction, HalsteadCounter, LineMarks, pushCapped,
  type AnalysisLimits, type CodeFacts, type FunctionFact, type FunctionFrame
} from './model.js'

let parserPromise: Promise<Parser> | undefined

/** The per-thread parser; concurrent first calls share one load. */
export function loadPythonParser (): Promise<Parser> {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url)
    await Parser.init()
    const language = await Language.load(require.resolve('tree-sitter-wasms/out/tree-sitter-python.wasm'))
    return new Parser().setLanguage(language)
  })()
  // A failed load must not poison the thread forever: the next task tries again.
  parserPromise.catch(() => { parserPromise = undefined })
  return parserPromise
}

// CPython's tokenizer limits (Parser/tokenizer.h MAXLEVEL and MAXINDENT): code beyond them does not
// compile, whatever tree-sitter's more tolerant grammar accepts.
const PY_MAX_BRACKET_DEPTH = 200
const PY_MAX_INDENT_DEPTH = 100

const DECISIONS = new Set([
  'if_statement', 'elif_clause', 'for_statement', 'while_statement', 'except_clause', 'conditional_expression',
  'boolean_operator', 'if_clause', 'for_in_clause', 'case_clause'
])
const NESTING = new Set([
  'if_statement', 'for_statement', 'while_statement', 'try_statement', 'with_statement', 'function_definition',
  'class_definition', 'match_statement'
])
const OPEN = new Set(['(', '[', '{'])
const CLOSE = new Set([')', ']', '}'])

// Bits remembered for a node between entering it and leaving it.
const F_FUNCTION = 1
const F_NESTING = 2
const F_TYPE = 4
const F_CLASS = 8
const F_BLOCK = 16
const F_SKIP = 32

export async function analyzePython (source: string, limits: AnalysisLimits): Promise<CodeFacts> {
  const parser = await loadPythonParser()
  const tree = parser.parse(source)
  const facts = emptyFacts('python', source)
  if (tree === null) return facts
  try {
    const cursor = tree.walk()
    try {
      new PythonWalker(source, facts, limits).walk(cursor)
    } finally {
      cursor.delete()
    }
  } finally {
    tree.delete()
  }
  return facts
}

class PythonWalker {
  private readonly halstead = new HalsteadCounter()
  private readonly lines: LineMarks
  private readonly functions: FunctionFrame[] = []
  private readonly classes: string[] = []
  private nesting = 0
  private blocks = 0
  private typeDepth = 0
  private brackets = 0
  private bracketErrorReported = false
  private indentErrorReported = false

  constructor (private readonly source: string, private readonly facts: CodeFacts, private readonly limits: AnalysisLimits) {
    this.lines = new LineMarks(facts.totalLines)
  }

  walk (cursor: TreeCursor): void {
    const exits: number[] = []
    for (;;) {
      if (++this.facts.nodeCount > this.limits.maxNodes) { this.facts.truncated = true; break }
      const flags = this.enter(cursor)
      if ((flags & F_SKIP) === 0) {
        if (cursor.gotoFirstChild()) { exits.push(flags); continue }
        this.leaf(cursor, cursor.nodeType)
      }
      this.leave(flags)
      let done = false
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) { done = true; break }
        this.leave(exits.pop() ?? 0)
      }
      if (done) break
    }
    Object.assign(this.facts.halstead, this.halstead.counts())
    this.facts.linesOfCode = this.lines.count()
  }

  private enter (c: TreeCursor): number {
    const type = c.nodeType
    let flags = 0
    if (c.nodeIsMissing) {
      const p = c.startPosition
      addSyntaxError(this.facts, this.limits, { line: p.row + 1, column: p.column + 1, message: `missing ${type}` })
      return F_SKIP
    }
    if (type === 'ERROR') {
      const p = c.startPosition
      const near = this.source.slice(c.startIndex, c.startIndex + 24).split('\n')[0] ?? ''
      addSyntaxError(this.facts, this.limits, { line: p.row + 1, column: p.column + 1, message: `invalid syntax near ${JSON.stringify(near)}` })
    }
    if (DECISIONS.has(type)) this.decision()
    if (NESTING.has(type)) {
      flags |= F_NESTING
      if (++this.nesting > this.facts.maxNestingDepth) this.facts.maxNestingDepth = this.nesting
    }
    switch (type) {
      case 'function_definition': flags |= this.enterFunction(c.currentNode); break
      case 'class_definition': flags |= this.enterClass(c.currentNode); break
      case 'block':
        flags |= F_BLOCK
        if (++this.blocks > PY_MAX_INDENT_DEPTH && !this.indentErrorReported) {
          this.indentErrorReported = true
          this.error(c, 'too many levels of indentation')
        }
        break
      case 'type': flags |= F_TYPE; this.typeDepth++; break
      case 'call': this.call(c.currentNode); break
      case 'decorator': this.decorator(c.currentNode); break
      case 'import_statement':
      case 'import_from_statement': this.importStatement(c.currentNode); break
      case 'string': case 'concatenated_string': return this.stringLiteral(c) | flags
      case 'comment': return F_SKIP
    }
    if (type === 'identifier' && c.nodeIsNamed) {
      const name = c.nodeText
      countIdentifier(this.facts, name)
      if (this.typeDepth > 0 && name === 'Any') pushCapped(this.facts.anyTypeLines, c.startPosition.row + 1, this.limits)
    }
    return flags
  }

  private leave (flags: number): void {
    if ((flags & F_NESTING) !== 0) this.nesting--
    if ((flags & F_FUNCTION) !== 0) this.functions.pop()
    if ((flags & F_CLASS) !== 0) this.classes.pop()
    if ((flags & F_TYPE) !== 0) this.typeDepth--
    if ((flags & F_BLOCK) !== 0) this.blocks--
  }

  private leaf (c: TreeCursor, type: string): void {
    // Zero-width leaves (an empty module, dedent markers) hold no code.
    if (c.startIndex === c.endIndex) return
    const start = c.startPosition
    this.lines.mark(start.row, c.endPosition.row)
    if (c.nodeIsNamed) {
      this.halstead.operand(c.nodeText)
      return
    }
    this.halstead.operator(type)
    if (OPEN.has(type)) {
      if (++this.brackets > PY_MAX_BRACKET_DEPTH && !this.bracketErrorReported) {
        this.bracketErrorReported = true
        this.error(c, 'too many nested parentheses')
      }
    } else if (CLOSE.has(type) && this.brackets > 0) {
      this.brackets--
    }
  }

  private stringLiteral (c: TreeCursor): number {
    const text = c.nodeText
    this.lines.mark(c.startPosition.row, c.endPosition.row)
    this.halstead.operand(text)
    if (text.includes('contract.yaml')) this.facts.contractFileMentions++
    return F_SKIP
  }

  private error (c: TreeCursor, message: string): void {
    const p = c.startPosition
    addSyntaxError(this.facts, this.limits, { line: p.row + 1, column: p.column + 1, message })
  }

  private decision (): void {
    this.facts.decisionPoints++
    const top = this.functions[this.functions.length - 1]
    if (top?.fact != null) top.fact.complexity++
  }

  private enterFunction (node: Node): number {
    const name = node.childForFieldName('name')?.text ?? '<anonymous>'
    const params = node.childForFieldName('parameters')
    const body = node.childForFieldName('body')
    const className = this.functions.length === 0 ? (this.classes[this.classes.length - 1] ?? null) : null
    let count = 0
    let annotated = 0
    const paramTypes: Array<[string, string]> = []
    for (const p of params?.namedChildren ?? []) {
      if (p === null) continue
      const pname = parameterName(p)
      if (pname === 'self' || pname === 'cls') continue
      count++
      const type = p.childForFieldName('type')
      if (type !== null) {
        annotated++
        paramTypes.push([pname, type.text.slice(0, 120)])
      }
    }
    const fact: FunctionFact = {
      name,
      line: node.startPosition.row + 1,
      complexity: 1,
      className,
      hasDocstring: hasDocstring(body),
      params: count,
      annotatedParams: annotated,
      returnAnnotated: name === '__init__' ? null : node.childForFieldName('return_type') !== null,
      firstStatement: firstAssignment(body),
      paramTypes
    }
    enterFunction(this.facts, this.functions, this.limits, fact, name)
    return F_FUNCTION
  }

  private enterClass (node: Node): number {
    const name = node.childForFieldName('name')?.text ?? '<anonymous>'
    const bases: string[] = []
    for (const b of node.childForFieldName('superclasses')?.namedChildren ?? []) {
      if (b !== null && b.type !== 'keyword_argument') bases.push(b.text.slice(0, 120))
    }
    pushCapped(this.facts.classes, {
      name,
      line: node.startPosition.row + 1,
      bases,
      hasDocstring: hasDocstring(node.childForFieldName('body'))
    }, this.limits)
    this.classes.push(name)
    return F_CLASS
  }

  private call (node: Node): void {
    const fn = node.childForFieldName('function')
    if (fn === null) return
    const isMethod = fn.type === 'attribute'
    const name = isMethod ? (fn.childForFieldName('attribute')?.text ?? '') : fn.text
    const args = node.childForFieldName('arguments')?.namedChildCount ?? 0
    pushCapped(this.facts.calls, {
      name: name.slice(0, 120),
      callee: fn.text.slice(0, 200),
      isMethod,
      args,
      line: node.startPosition.row + 1,
      caller: this.functions[this.functions.length - 1]?.name ?? null
    }, this.limits)
  }

  private decorator (node: Node): void {
    let target = node.firstNamedChild
    if (target?.type === 'call') target = target.childForFieldName('function')
    if (target == null) return
    const name = target.type === 'attribute' ? (target.childForFieldName('attribute')?.text ?? '') : target.text
    pushCapped(this.facts.decorators, { name: name.slice(0, 120), line: node.startPosition.row + 1 }, this.limits)
  }

  private importStatement (node: Node): void {
    const line = node.startPosition.row + 1
    if (node.type === 'import_statement') {
      for (const child of node.childrenForFieldName('name')) {
        if (child === null) continue
        const dotted = child.type === 'aliased_import' ? child.childForFieldName('name') : child
        pushCapped(this.facts.imports, { module: dotted?.text ?? '', names: [], line, relativeLevel: 0 }, this.limits)
      }
      return
    }
    const moduleNode = node.childForFieldName('module_name')
    let module = moduleNode?.text ?? ''
    let relativeLevel = 0
    if (moduleNode?.type === 'relative_import') {
      const prefix = moduleNode.firstChild
      relativeLevel = prefix?.type === 'import_prefix' ? prefix.text.length : 0
      module = module.slice(relativeLevel)
    }
    const names: string[] = []
    for (const child of node.childrenForFieldName('name')) {
      if (child === null) continue
      const dotted = child.type === 'aliased_import' ? child.childForFieldName('name') : child
      if (dotted !== null && names.length < 100) names.push(dotted.text)
    }
    if (names.length === 0 && node.namedChildren.some(n => n?.type === 'wildcard_import')) names.push('*')
    pushCapped(this.facts.imports, { module, names, line, relativeLevel }, this.limits)
  }
}

function parameterName (p: Node): string {
  if (p.type === 'identifier') return p.text
  const name = p.childForFieldName('name') ?? p.firstNamedChild
  return name?.type === 'identifier' ? name.text : (name?.text ?? p.text)
}

function hasDocstring (body: Node | null): boolean {
  const first = body?.firstNamedChild
  return first?.type === 'expression_statement' && first.firstNamedChild?.type === 'string'
}

function firstAssignment (body: Node | null): FunctionFact['firstStatement'] {
  const first = body?.firstNamedChild
  if (first?.type !== 'expression_statement') return null
  const assignment = first.firstNamedChild
  if (assignment?.type !== 'assignment') return null
  const left = assignment.childForFieldName('left')
  const right = assignment.childForFieldName('right')
  if (left?.type !== 'identifier' || right?.type !== 'call') return null
  const fn = right.childForFieldName('function')
  return fn === null ? null : { target: left.text, callee: fn.text.slice(0, 120) }
}
