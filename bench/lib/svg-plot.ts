/**
 * A small SVG builder for benchmark timelines: columns of stacked panels that share their column's
 * time axis, each panel with line series (optionally as steps), horizontal reference lines, a
 * linear or logarithmic y axis and a legend. Pure: it returns the SVG text, which resvg turns into
 * a PNG. Only what the benchmark plots is supported.
 */

export interface Series {
  name: string;
  color: string;
  /** [x, y]; a non-finite y (or y <= 0 on a log axis) breaks the line. */
  points: readonly (readonly [number, number])[];
  /** Draw as a step function (the value holds until the next point). */
  step?: boolean;
  dash?: string;
  width?: number;
}

export interface RefLine { y: number; label: string; color: string; dash?: string }

export interface Panel {
  yLabel: string;
  log?: boolean;
  /** Axis bounds; by default from the data (a linear axis starts at 0). */
  yMin?: number;
  yMax?: number;
  series: readonly Series[];
  lines?: readonly RefLine[];
}

export interface Column { title: string; xMax: number; panels: readonly Panel[] }

export interface Figure {
  title: string;
  subtitle?: string;
  xLabel: string;
  columns: readonly Column[];
  columnWidth?: number;
  panelHeight?: number;
}

export const FONT_FAMILY = 'DejaVu Sans';

const MARGIN = { left: 78, right: 20, top: 30, bottom: 44 };
const PANEL_GAP = 16;
const HEADER = 58;

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

/** Tick values for a linear axis: steps of 1, 2 or 5 × 10^k, about `target` of them. */
export function linearTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Decades within [min, max] (at least the two around them). */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
}

/** 1500 → "1.5k", 2000000 → "2M". */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return `${Number(v.toPrecision(3))}`;
}

interface Scale { map: (v: number) => number; ticks: number[]; valid: (v: number) => boolean }

function yScale(panel: Panel, top: number, height: number): Scale {
  const ys = panel.series.flatMap((s) => s.points.map((p) => p[1])).concat((panel.lines ?? []).map((l) => l.y));
  if (panel.log) {
    const pos = ys.filter((v) => Number.isFinite(v) && v > 0);
    const lo = 10 ** Math.floor(Math.log10(panel.yMin ?? (pos.length ? Math.min(...pos) : 1)));
    const hi = 10 ** Math.ceil(Math.log10(panel.yMax ?? (pos.length ? Math.max(...pos) : 10)));
    const [a, b] = [Math.log10(lo), Math.max(Math.log10(hi), Math.log10(lo) + 1)];
    return {
      map: (v) => top + height - ((Math.log10(Math.min(Math.max(v, lo), 10 ** b)) - a) / (b - a)) * height,
      ticks: logTicks(lo, 10 ** b),
      valid: (v) => Number.isFinite(v) && v > 0,
    };
  }
  const finite = ys.filter((v) => Number.isFinite(v));
  const lo = panel.yMin ?? Math.min(0, ...finite);
  const dataMax = finite.length ? Math.max(...finite) : lo + 1;
  const hi = panel.yMax ?? (dataMax > lo ? dataMax * 1.08 : lo + 1);
  return {
    map: (v) => top + height - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * height,
    ticks: linearTicks(lo, hi),
    valid: (v) => Number.isFinite(v),
  };
}

/** The SVG path of a series: "M" starts each unbroken run of points. */
export function seriesPath(s: Series, x: (v: number) => number, y: Scale): string {
  const parts: string[] = [];
  let drawing = false;
  for (const [px, py] of s.points) {
    if (!y.valid(py)) {
      drawing = false;
      continue;
    }
    const X = fmt(x(px));
    const Y = fmt(y.map(py));
    if (!drawing) parts.push(`M${X} ${Y}`);
    else if (s.step) parts.push(`H${X} V${Y}`);
    else parts.push(`L${X} ${Y}`);
    drawing = true;
  }
  return parts.join(' ');
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${fmt(x)}" y="${fmt(y)}"${attrs ? ' ' + attrs : ''}>${escapeXml(s)}</text>`;
}

function renderPanel(panel: Panel, col: Column, left: number, top: number, width: number, height: number, last: boolean, xLabel: string): string[] {
  const out: string[] = [];
  const x = (v: number) => left + (Math.min(Math.max(v, 0), col.xMax) / col.xMax) * width;
  const y = yScale(panel, top, height);
  out.push(`<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(width)}" height="${fmt(height)}" fill="#ffffff" stroke="#888888"/>`);
  for (const t of y.ticks) {
    const Y = fmt(y.map(t));
    out.push(`<line x1="${fmt(left)}" x2="${fmt(left + width)}" y1="${Y}" y2="${Y}" stroke="#e4e4e4"/>`);
    out.push(text(left - 6, y.map(t) + 4, shortNumber(t), 'text-anchor="end" font-size="11"'));
  }
  for (const t of linearTicks(0, col.xMax, 8)) {
    const X = fmt(x(t));
    out.push(`<line x1="${X}" x2="${X}" y1="${fmt(top)}" y2="${fmt(top + height)}" stroke="#f0f0f0"/>`);
    if (last) out.push(text(x(t), top + height + 16, shortNumber(t), 'text-anchor="middle" font-size="11"'));
  }
  if (last) out.push(text(left + width / 2, top + height + 34, xLabel, 'text-anchor="middle" font-size="12"'));
  out.push(text(left - 56, top + height / 2, panel.yLabel, `text-anchor="middle" font-size="12" transform="rotate(-90 ${fmt(left - 56)} ${fmt(top + height / 2)})"`));
  for (const l of panel.lines ?? []) {
    const Y = fmt(y.map(l.y));
    out.push(`<line x1="${fmt(left)}" x2="${fmt(left + width)}" y1="${Y}" y2="${Y}" stroke="${l.color}" stroke-width="1.5"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
  }
  for (const s of panel.series) {
    const d = seriesPath(s, x, y);
    if (!d) continue;
    out.push(`<path data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
  }
  // Reference-line labels over the series, with a white halo that keeps them readable.
  for (const l of panel.lines ?? []) out.push(text(left + 4, y.map(l.y) - 4, l.label, `font-size="11" fill="${l.color}" stroke="#ffffff" stroke-width="3" paint-order="stroke"`));
  // Legend, top right inside the panel, on a veil that keeps it readable over the data.
  if (panel.series.length) {
    const lw = Math.min(155, 33 + Math.max(...panel.series.map((s) => s.name.length)) * 6.5);
    out.push(`<rect x="${fmt(left + width - 156)}" y="${fmt(top + 1)}" width="${fmt(lw)}" height="${fmt(panel.series.length * 15 + 6)}" fill="#ffffff" fill-opacity="0.8"/>`);
  }
  panel.series.forEach((s, i) => {
    const ly = top + 14 + i * 15;
    const lx = left + width - 150;
    out.push(`<line x1="${fmt(lx)}" x2="${fmt(lx + 22)}" y1="${fmt(ly - 4)}" y2="${fmt(ly - 4)}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(text(lx + 27, ly, s.name, 'font-size="11"'));
  });
  return out;
}

export function renderFigure(f: Figure): string {
  const colW = f.columnWidth ?? 640;
  const panelH = f.panelHeight ?? 190;
  const panels = Math.max(1, ...f.columns.map((c) => c.panels.length));
  const width = f.columns.length * colW;
  const height = HEADER + MARGIN.top + panels * panelH + (panels - 1) * PANEL_GAP + MARGIN.bottom;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    text(16, 24, f.title, 'font-size="16" font-weight="bold"'),
  ];
  if (f.subtitle) out.push(text(16, 44, f.subtitle, 'font-size="12" fill="#444444"'));
  f.columns.forEach((col, c) => {
    const left = c * colW + MARGIN.left;
    const w = colW - MARGIN.left - MARGIN.right;
    out.push(text(left + w / 2, HEADER + MARGIN.top - 10, col.title, 'text-anchor="middle" font-size="13" font-weight="bold"'));
    col.panels.forEach((p, i) => {
      const top = HEADER + MARGIN.top + i * (panelH + PANEL_GAP);
      out.push(...renderPanel(p, col, left, top, w, panelH, i === col.panels.length - 1, f.xLabel));
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
