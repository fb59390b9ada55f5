// A hand-written SVG line chart with two y axes over a log2 x axis (max_in_flight doubles from point
// to point), with no dependency: small enough to read in a diff, opens in any browser.

export interface Series {
  readonly name: string
  readonly color: string
  readonly axis: 'left' | 'right'
  readonly points: ReadonlyArray<{ readonly x: number, readonly y: number }>
}

export interface ChartSpec {
  readonly title: string
  readonly subtitle?: string
  readonly xLabel: string
  /** The x values (positive): one tick each. */
  readonly xTicks: readonly number[]
  readonly leftLabel: string
  readonly rightLabel: string
  readonly series: readonly Series[]
  /** A vertical marker, e.g. the recommended value. */
  readonly markX?: { readonly x: number, readonly label: string }
  /** Horizontal reference lines, e.g. the memory budget. */
  readonly hLines?: ReadonlyArray<{ readonly axis: 'left' | 'right', readonly y: number, readonly label: string, readonly color: string }>
}

const W = 760
const H = 440
const M = { top: 80, right: 78, bottom: 64, left: 78 }

function esc (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A "nice" upper bound and step for about five ticks from 0. */
export function niceScale (max: number): { max: number, step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.2 }
  const rough = max / 5
  const mag = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 2.5, 5, 10].find(f => f * mag >= rough) ?? 10) * mag
  return { max: Math.ceil(max / step) * step, step }
}

function label (v: number): string {
  if (v >= 10_000) return `${(v / 1000).toFixed(0)}k`
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k`
  return Number.isInteger(v) ? String(v) : v.toFixed(1)
}

export function lineChart (spec: ChartSpec): string {
  const plotW = W - M.left - M.right
  const plotH = H - M.top - M.bottom
  const xs = spec.xTicks.filter(x => x > 0)
  const lo = Math.log2(Math.min(...xs))
  const hi = Math.log2(Math.max(...xs))
  const xAt = (x: number): number => M.left + (hi === lo ? plotW / 2 : ((Math.log2(x) - lo) / (hi - lo)) * plotW)
  const scaleOf = (axis: 'left' | 'right'): { max: number, step: number } => {
    const ys = spec.series.filter(s => s.axis === axis).flatMap(s => s.points.map(p => p.y)).filter(Number.isFinite)
    const refs = (spec.hLines ?? []).filter(h => h.axis === axis).map(h => h.y)
    // A reference line far above the data (a generous budget) would flatten the curves: keep it only
    // when it is within twice the data's range.
    const top = Math.max(0, ...ys)
    return niceScale(Math.max(top * 1.05, ...refs.filter(r => r <= 2 * top)))
  }
  const scales = { left: scaleOf('left'), right: scaleOf('right') }
  const yAt = (axis: 'left' | 'right', y: number): number => M.top + plotH - (y / scales[axis].max) * plotH
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`)
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(spec.title)}</text>`)
  if (spec.subtitle !== undefined) out.push(`<text x="${W / 2}" y="42" text-anchor="middle" fill="#555">${esc(spec.subtitle)}</text>`)
  // Grid and y ticks (left axis drives the grid).
  for (let v = 0; v <= scales.left.max + 1e-9; v += scales.left.step) {
    const y = yAt('left', v)
    out.push(`<line x1="${M.left}" y1="${y.toFixed(1)}" x2="${M.left + plotW}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${M.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end">${label(v)}</text>`)
  }
  for (let v = 0; v <= scales.right.max + 1e-9; v += scales.right.step) {
    const y = yAt('right', v)
    out.push(`<text x="${M.left + plotW + 8}" y="${(y + 4).toFixed(1)}">${label(v)}</text>`)
  }
  for (const x of xs) {
    const px = xAt(x)
    out.push(`<line x1="${px.toFixed(1)}" y1="${M.top}" x2="${px.toFixed(1)}" y2="${M.top + plotH}" stroke="#f0f0f0"/>`)
    out.push(`<text x="${px.toFixed(1)}" y="${M.top + plotH + 18}" text-anchor="middle">${x}</text>`)
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`)
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 18}" text-anchor="middle">${esc(spec.xLabel)}</text>`)
  out.push(`<text transform="translate(20 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(spec.leftLabel)}</text>`)
  out.push(`<text transform="translate(${W - 16} ${M.top + plotH / 2}) rotate(90)" text-anchor="middle">${esc(spec.rightLabel)}</text>`)
  for (const h of spec.hLines ?? []) {
    if (h.y > scales[h.axis].max) continue
    const y = yAt(h.axis, h.y)
    out.push(`<line x1="${M.left}" y1="${y.toFixed(1)}" x2="${M.left + plotW}" y2="${y.toFixed(1)}" stroke="${h.color}" stroke-dasharray="6 4"/>`)
    out.push(`<text x="${h.axis === 'left' ? M.left + 6 : M.left + plotW - 6}" y="${(y + 14).toFixed(1)}" fill="${h.color}" text-anchor="${h.axis === 'left' ? 'start' : 'end'}">${esc(h.label)}</text>`)
  }
  if (spec.markX !== undefined) {
    const px = xAt(spec.markX.x)
    out.push(`<line x1="${px.toFixed(1)}" y1="${M.top}" x2="${px.toFixed(1)}" y2="${M.top + plotH}" stroke="#2ca02c" stroke-width="2" stroke-dasharray="3 3"/>`)
    out.push(`<text x="${(px + 4).toFixed(1)}" y="${M.top + plotH - 8}" fill="#2ca02c">${esc(spec.markX.label)}</text>`)
  }
  for (const s of spec.series) {
    const pts = s.points.filter(p => p.x > 0 && Number.isFinite(p.y)).map(p => `${xAt(p.x).toFixed(1)},${yAt(s.axis, p.y).toFixed(1)}`)
    if (pts.length === 0) continue
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`)
    for (const p of pts) {
      const [cx, cy] = p.split(',')
      out.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${s.color}"/>`)
    }
  }
  // Legend, one row above the plot.
  let lx = M.left
  for (const s of spec.series) {
    const text = `${s.name} (${s.axis} axis)`
    out.push(`<line x1="${lx}" y1="${M.top - 14}" x2="${lx + 24}" y2="${M.top - 14}" stroke="${s.color}" stroke-width="2"/>`)
    out.push(`<text x="${lx + 30}" y="${M.top - 10}">${esc(text)}</text>`)
    lx += 30 + text.length * 7 + 24
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}
