// TypeScript/JavaScript facts from the TypeScript compiler API. Its parser is recursive descent and
// overflows the stack a few hundred brackets deep on the main thread (a few thousand in a worker), so
// pathological nesting is refused up front by a token scan and a RangeError is still caught as a
// backstop. Our own walk over the AST is iterative.
import ts from 'typescript'
import {
  addSyntaxError, countIdentifier, emptyFacts, enterFunction, HalsteadCounter, LineMarks, pushCapped,
  type AnalysisLimits, type CodeFacts, type CodeLanguage, type FunctionFact, type FunctionFrame
} from './model.js'

/** Bracket depth beyond which the source is not handed to the parser. */
export const TS_MAX_BRACKET_DEPTH = 256

const OPERAND_TOKENS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.Identifier, ts.SyntaxKind.PrivateIdentifier, ts.SyntaxKind.NumericLiteral, ts.SyntaxKind.BigIntLiteral,
  ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle, ts.SyntaxKind.TemplateTail, ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword, ts.SyntaxKind.ThisKeyword,
  ts.SyntaxKind.UndefinedKeyword
])

const LOGICAL = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken, ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken
])

export interface TsOptions { readonly fileName?: string | undefined }

export function analyzeTypeScript (source: string, language: CodeLanguage, limits: AnalysisLimits, options: TsOptions = {}): CodeFacts {
  const facts = emptyFacts(language, source)
  const kind = scriptKind(language, options.fileName)
  const variant = kind === ts.ScriptKind.TSX || kind === ts.ScriptKind.JSX ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard
  const lineStarts = computeLineStarts(source)
  const tooDeep = scanTokens(source, variant, facts, lineStarts, limits)
  if (tooDeep !== null) {
    addSyntaxError(facts, limits, { ...position(lineStarts, tooDeep), message: `nesting deeper than ${TS_MAX_BRACKET_DEPTH} brackets; not parsed` })
    return facts
  }
  let sf: ts.SourceFile
  try {
    sf = ts.createSourceFile(options.fileName ?? defaultFileName(kind), source, ts.ScriptTarget.Latest, false, kind)
  } catch (err) {
    if (!(err instanceof RangeError)) throw err
    addSyntaxError(facts, limits, { line: 1, column: 1, message: 'code is nested too deeply to parse' })
    return facts
  }
  for (const d of parseDiagnostics(sf)) {
    addSyntaxError(facts, limits, { ...position(lineStarts, d.start ?? 0), message: ts.flattenDiagnosticMessageText(d.messageText, '\n') })
  }
  new TsWalker(sf, facts, limits, lineStarts).walk()
  return facts
}

function scriptKind (language: CodeLanguage, fileName: string | undefined): ts.ScriptKind {
  const ext = fileName?.toLowerCase().match(/\.[a-z]+$/)?.[0]
  if (ext === '.tsx') return ts.ScriptKind.TSX
  if (ext === '.jsx') return ts.ScriptKind.JSX
  return language === 'javascript' ? ts.ScriptKind.JS : ts.ScriptKind.TS
}

function defaultFileName (kind: ts.ScriptKind): string {
  switch (kind) {
    case ts.ScriptKind.TSX: return 'input.tsx'
    case ts.ScriptKind.JSX: return 'input.jsx'
    case ts.ScriptKind.JS: return 'input.js'
    default: return 'input.ts'
  }
}

// `parseDiagnostics` is internal in the typings but is what `tsc` reports as syntax errors; reading it
// avoids building a Program for a single file.
function parseDiagnostics (sf: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  return (sf as unknown as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? []
}

function computeLineStarts (source: string): number[] {
  const starts = [0]
  let i = source.indexOf('\n')
  while (i !== -1) { starts.push(i + 1); i = source.indexOf('\n', i + 1) }
  return starts
}

function lineOf (lineStarts: readonly number[], pos: number): number {
  let lo = 0
  let hi = lineStarts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((lineStarts[mid] ?? 0) <= pos) lo = mid
    else hi = mid - 1
  }
  return lo
}

function position (lineStarts: readonly number[], pos: number): { line: number, column: number } {
  const row = lineOf(lineStarts, pos)
  return { line: row + 1, column: pos - (lineStarts[row] ?? 0) + 1 }
}

/**
 * One scanner pass for Halstead counts, lines of code and bracket depth. Returns the position where
 * the bracket depth first exceeds the parser-safe bound, or null.
 */
function scanTokens (source: string, variant: ts.LanguageVariant, facts: CodeFacts, lineStarts: readonly number[], limits: AnalysisLimits): number | null {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, variant, source)
  const halstead = new HalsteadCounter()
  const lines = new LineMarks(facts.totalLines)
  let depth = 0
  let tokens = 0
  let tooDeep: number | null = null
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (++tokens > limits.maxNodes) { facts.truncated = true; break }
    const start = scanner.getTokenStart()
    const end = scanner.getTokenEnd()
    const startRow = lineOf(lineStarts, start)
    lines.mark(startRow, end - start > 1 ? lineOf(lineStarts, end - 1) : startRow)
    if (OPERAND_TOKENS.has(kind)) {
      halstead.operand(scanner.getTokenText())
    } else {
      halstead.operator(String(kind))
    }
    if (kind === ts.SyntaxKind.OpenBraceToken || kind === ts.SyntaxKind.OpenParenToken || kind === ts.SyntaxKind.OpenBracketToken) {
      if (++depth > TS_MAX_BRACKET_DEPTH && tooDeep === null) tooDeep = start
    } else if ((kind === ts.SyntaxKind.CloseBraceToken || kind === ts.SyntaxKind.CloseParenToken || kind === ts.SyntaxKind.CloseBracketToken) && depth > 0) {
      depth--
    }
  }
  Object.assign(facts.halstead, halstead.counts())
  facts.linesOfCode = lines.count()
  return tooDeep
}

const NESTING = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.IfStatement, ts.SyntaxKind.ForStatement, ts.SyntaxKind.ForInStatement, ts.SyntaxKind.ForOfStatement,
  ts.SyntaxKind.WhileStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.TryStatement, ts.SyntaxKind.SwitchStatement,
  ts.SyntaxKind.ClassDeclaration, ts.SyntaxKind.ClassExpression
])

const DECISIONS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.IfStatement, ts.SyntaxKind.ConditionalExpression, ts.SyntaxKind.ForStatement, ts.SyntaxKind.ForInStatement,
  ts.SyntaxKind.ForOfStatement, ts.SyntaxKind.WhileStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.CaseClause,
  ts.SyntaxKind.CatchClause
])

type FunctionLike = ts.FunctionDeclaration | ts.MethodDeclaration | ts.FunctionExpression | ts.ArrowFunction |
ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration

interface Frame { readonly node: ts.Node, readonly exit: boolean }

class TsWalker {
  private readonly functions: FunctionFrame[] = []
  private readonly classes: string[] = []
  /** Names and doc comments of functions bound by `const f = () => ...`, keyed by the initializer. */
  private readonly boundNames = new Map<ts.Node, { name: string, doc: boolean }>()
  /** `else if` continues a chain rather than nesting deeper. */
  private readonly elseIfs = new Set<ts.Node>()
  private nesting = 0

  constructor (private readonly sf: ts.SourceFile, private readonly facts: CodeFacts, private readonly limits: AnalysisLimits, private readonly lineStarts: readonly number[]) {}

  walk (): void {
    const stack: Frame[] = [{ node: this.sf, exit: false }]
    const children: ts.Node[] = []
    while (stack.length > 0) {
      const frame = stack.pop()
      if (frame === undefined) break
      if (frame.exit) { this.leave(frame.node); continue }
      if (++this.facts.nodeCount > this.limits.maxNodes) { this.facts.truncated = true; break }
      this.enter(frame.node)
      stack.push({ node: frame.node, exit: true })
      children.length = 0
      ts.forEachChild(frame.node, child => { children.push(child) })
      for (let i = children.length - 1; i >= 0; i--) {
        const child = children[i]
        if (child !== undefined) stack.push({ node: child, exit: false })
      }
    }
  }

  private line (node: ts.Node): number {
    return lineOf(this.lineStarts, node.getStart(this.sf)) + 1
  }

  private hasDoc (node: ts.Node): boolean {
    const ranges = ts.getLeadingCommentRanges(this.sf.text, node.pos) ?? []
    return ranges.some(r => this.sf.text.startsWith('/**', r.pos))
  }

  private decision (): void {
    this.facts.decisionPoints++
    const top = this.functions[this.functions.length - 1]
    if (top?.fact != null) top.fact.complexity++
  }

  private enter (node: ts.Node): void {
    const kind = node.kind
    if (DECISIONS.has(kind)) this.decision()
    if (ts.isBinaryExpression(node) && LOGICAL.has(node.operatorToken.kind)) this.decision()
    if (NESTING.has(kind) && !this.elseIfs.has(node)) this.nest(1)
    if (ts.isIfStatement(node) && node.elseStatement !== undefined && ts.isIfStatement(node.elseStatement)) this.elseIfs.add(node.elseStatement)
    if (isFunctionLike(node)) { this.enterFunction(node); return }
    switch (kind) {
      case ts.SyntaxKind.ClassDeclaration:
      case ts.SyntaxKind.ClassExpression: this.enterClass(node as ts.ClassLikeDeclaration); break
      case ts.SyntaxKind.Identifier:
      case ts.SyntaxKind.PrivateIdentifier: countIdentifier(this.facts, (node as ts.Identifier).text); break
      case ts.SyntaxKind.AnyKeyword: pushCapped(this.facts.anyTypeLines, this.line(node), this.limits); break
      case ts.SyntaxKind.CallExpression:
      case ts.SyntaxKind.NewExpression: this.call(node as ts.CallExpression | ts.NewExpression); break
      case ts.SyntaxKind.Decorator: this.decorator(node as ts.Decorator); break
      case ts.SyntaxKind.ImportDeclaration:
      case ts.SyntaxKind.ExportDeclaration: this.importDeclaration(node as ts.ImportDeclaration | ts.ExportDeclaration); break
      case ts.SyntaxKind.ImportEqualsDeclaration: this.importEquals(node as ts.ImportEqualsDeclaration); break
      case ts.SyntaxKind.VariableStatement: this.variableStatement(node as ts.VariableStatement); break
      case ts.SyntaxKind.StringLiteral:
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
        if ((node as ts.StringLiteralLike).text.includes('contract.yaml')) this.facts.contractFileMentions++
        break
    }
  }

  private leave (node: ts.Node): void {
    if (NESTING.has(node.kind) && !this.elseIfs.has(node)) this.nest(-1)
    if (isFunctionLike(node)) { this.functions.pop(); this.nest(-1) }
    if (ts.isClassLike(node)) this.classes.pop()
  }

  private nest (delta: number): void {
    this.nesting += delta
    if (this.nesting > this.facts.maxNestingDepth) this.facts.maxNestingDepth = this.nesting
  }

  private enterFunction (node: FunctionLike): void {
    this.nest(1)
    const bound = this.boundNames.get(node)
    const name = functionName(node, this.sf) ?? bound?.name ?? '<anonymous>'
    let params = 0
    let annotated = 0
    const paramTypes: Array<[string, string]> = []
    for (const p of node.parameters) {
      const pname = p.name.getText(this.sf)
      if (pname === 'this') continue
      params++
      if (p.type !== undefined) {
        annotated++
        paramTypes.push([pname, p.type.getText(this.sf).slice(0, 120)])
      }
    }
    const noReturn = ts.isConstructorDeclaration(node) || ts.isSetAccessorDeclaration(node)
    const fact: FunctionFact = {
      name,
      line: this.line(node),
      complexity: 1,
      className: this.functions.length === 0 ? (this.classes[this.classes.length - 1] ?? null) : null,
      hasDocstring: this.hasDoc(node) || (bound?.doc ?? false),
      params,
      annotatedParams: annotated,
      returnAnnotated: noReturn ? null : node.type !== undefined,
      firstStatement: firstAssignment(node, this.sf),
      paramTypes
    }
    enterFunction(this.facts, this.functions, this.limits, fact, name)
  }

  private enterClass (node: ts.ClassLikeDeclaration): void {
    const name = node.name?.text ?? '<anonymous>'
    const bases: string[] = []
    for (const clause of node.heritageClauses ?? []) {
      for (const t of clause.types) bases.push(t.expression.getText(this.sf).slice(0, 120))
    }
    pushCapped(this.facts.classes, { name, line: this.line(node), bases, hasDocstring: this.hasDoc(node) }, this.limits)
    this.classes.push(name)
  }

  private call (node: ts.CallExpression | ts.NewExpression): void {
    const callee = node.expression
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = node.arguments[0]
      if (spec !== undefined && ts.isStringLiteralLike(spec)) this.addImport(spec.text, [], node)
      return
    }
    const isMethod = ts.isPropertyAccessExpression(callee)
    const name = isMethod ? callee.name.text : ts.isIdentifier(callee) ? callee.text : callee.kind === ts.SyntaxKind.SuperKeyword ? 'super' : ''
    if (name === 'require' && ts.isCallExpression(node)) {
      const spec = node.arguments[0]
      if (spec !== undefined && ts.isStringLiteralLike(spec)) this.addImport(spec.text, [], node)
    }
    pushCapped(this.facts.calls, {
      name,
      callee: callee.getText(this.sf).slice(0, 200),
      isMethod,
      args: node.arguments?.length ?? 0,
      line: this.line(node),
      caller: this.functions[this.functions.length - 1]?.name ?? null
    }, this.limits)
  }

  private decorator (node: ts.Decorator): void {
    let target = node.expression
    if (ts.isCallExpression(target)) target = target.expression
    const name = ts.isPropertyAccessExpression(target) ? target.name.text : target.getText(this.sf)
    pushCapped(this.facts.decorators, { name: name.slice(0, 120), line: this.line(node) }, this.limits)
  }

  private importDeclaration (node: ts.ImportDeclaration | ts.ExportDeclaration): void {
    const spec = node.moduleSpecifier
    if (spec === undefined || !ts.isStringLiteral(spec)) return
    const names: string[] = []
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      if (clause?.name !== undefined) names.push(clause.name.text)
      const bindings = clause?.namedBindings
      if (bindings !== undefined) {
        if (ts.isNamespaceImport(bindings)) names.push('*')
        else for (const el of bindings.elements) if (names.length < 100) names.push((el.propertyName ?? el.name).text)
      }
    } else if (node.exportClause !== undefined && ts.isNamedExports(node.exportClause)) {
      for (const el of node.exportClause.elements) if (names.length < 100) names.push((el.propertyName ?? el.name).getText(this.sf))
    } else {
      names.push('*')
    }
    this.addImport(spec.text, names, node)
  }

  private importEquals (node: ts.ImportEqualsDeclaration): void {
    const ref = node.moduleReference
    if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) this.addImport(ref.expression.text, [node.name.text], node)
  }

  private addImport (module: string, names: string[], node: ts.Node): void {
    pushCapped(this.facts.imports, { module, names, line: this.line(node), relativeLevel: relativeLevel(module) }, this.limits)
  }

  private variableStatement (node: ts.VariableStatement): void {
    const doc = this.hasDoc(node)
    for (const d of node.declarationList.declarations) {
      const init = d.initializer
      if (init !== undefined && ts.isIdentifier(d.name) && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
        this.boundNames.set(init, { name: d.name.text, doc })
      }
    }
  }
}

function isFunctionLike (node: ts.Node): node is FunctionLike {
  switch (node.kind) {
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.Constructor:
    case ts.SyntaxKind.GetAccessor:
    case ts.SyntaxKind.SetAccessor:
      return true
    default:
      return false
  }
}

function functionName (node: FunctionLike, sf: ts.SourceFile): string | undefined {
  if (ts.isConstructorDeclaration(node)) return 'constructor'
  const name = node.name
  if (name === undefined) return undefined
  return ts.isIdentifier(name) || ts.isPrivateIdentifier(name) ? name.text : name.getText(sf).slice(0, 120)
}

function firstAssignment (node: FunctionLike, sf: ts.SourceFile): FunctionFact['firstStatement'] {
  const body = node.body
  if (body === undefined || !ts.isBlock(body)) return null
  const first = body.statements[0]
  if (first === undefined || !ts.isVariableStatement(first)) return null
  const decl = first.declarationList.declarations[0]
  const init = decl?.initializer
  if (decl === undefined || init === undefined || !ts.isIdentifier(decl.name)) return null
  if (!ts.isCallExpression(init) && !ts.isNewExpression(init)) return null
  return { target: decl.name.text, callee: init.expression.getText(sf).slice(0, 120) }
}

/** `./x` is 1 like Python's `.x`; each `../` adds a level like each extra dot. */
export function relativeLevel (module: string): number {
  if (module.startsWith('./')) return 1
  let level = 1
  let rest = module
  while (rest.startsWith('../')) { level++; rest = rest.slice(3) }
  return level === 1 ? (module === '.' ? 1 : module === '..' ? 2 : 0) : level
}
