import { escapeHtml } from '../escape.js';

// Small helpers for hand-written SVG. Every number goes through `n` and every attribute value and
// text through `escapeHtml`, so a value read from a result file (which `report` does not fully
// validate) can neither break out of an attribute nor print `NaN` into a path.

/** The width every chart is drawn at (its viewBox); CSS scales it down to narrower screens. */
export const CHART_WIDTH = 760;

/** A coordinate rounded to 0.1 px: enough for any screen, and stable text for the snapshot. */
export function n(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '0';
  // `+ 0` turns -0 into 0, so "-0" never appears.
  return String(Math.round(value * 10) / 10 + 0);
}

/** Attribute values: a number through {@link n}, a string escaped; undefined leaves it out. */
export type Attributes = Readonly<Record<string, string | number | undefined>>;

export function attributes(attrs: Attributes): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${name}="${typeof value === 'number' ? n(value) : escapeHtml(value)}"`;
  }
  return out;
}

/** An element; `children` is markup the caller built (already escaped), or nothing. */
export function tag(name: string, attrs: Attributes, children?: string): string {
  return children === undefined
    ? `<${name}${attributes(attrs)}/>`
    : `<${name}${attributes(attrs)}>${children}</${name}>`;
}

/** A `<text>` element whose content is escaped. */
export function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return tag('text', { x, y, ...attrs }, escapeHtml(content));
}

/** A `<title>` child: the tooltip of a mark, escaped. */
export function title(content: string): string {
  return `<title>${escapeHtml(content)}</title>`;
}

/** A linear map from [d0, d1] to [r0, r1]; a degenerate domain maps everything to r0. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/**
 * Round tick values from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten, about
 * `count` of them. The last tick is at or past `max`, so the data never leaves the plot.
 */
export function niceTicks(max: number, count = 5): number[] {
  return niceTicksBetween(0, max, count);
}

/** Like {@link niceTicks}, from the round value at or below `min` (a latency axis need not start at 0). */
export function niceTicksBetween(min: number, max: number, count = 5): number[] {
  const lo = Number.isFinite(min) && min > 0 ? min : 0;
  const hi = Number.isFinite(max) && max > lo ? max : lo + 1;
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(lo / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i * step < hi + step * 1e-9; i++) ticks.push(i * step);
  if (ticks[ticks.length - 1]! < hi) ticks.push((first + ticks.length) * step);
  // Round away binary noise (0.30000000000000004) so the labels print short.
  return ticks.map((t) => Number(t.toPrecision(12)));
}

/** A tick label: as few decimals as the step needs. */
export function tickLabel(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  const digits = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
  return value.toFixed(digits);
}

/**
 * A horizontal axis at `y`: a grid line up to `top` and a label under each tick, and a caption
 * at the right end. A label at the right edge is anchored at its end, so it is not cut off.
 */
export function xAxis(
  ticks: readonly number[],
  x: (v: number) => number,
  y: number,
  top: number,
  caption: string,
): string {
  const parts = ticks.map((t) => {
    const anchor = x(t) > CHART_WIDTH - 16 ? 'end' : 'middle';
    return (
      tag('line', { class: 'grid', x1: x(t), x2: x(t), y1: top, y2: y }) +
      text(x(t), y + 12, tickLabel(t, ticks), { class: 'tick', 'text-anchor': anchor })
    );
  });
  parts.push(text(CHART_WIDTH - 12, y + 24, caption, { class: 'axis', 'text-anchor': 'end' }));
  return parts.join('');
}

/** An `<svg>` element of the chart width, scaling with its container, labelled for screen readers. */
export function svg(height: number, className: string, label: string, body: string): string {
  return tag(
    'svg',
    {
      class: className,
      viewBox: `0 0 ${CHART_WIDTH} ${n(height)}`,
      width: CHART_WIDTH,
      height,
      role: 'img',
      'aria-label': label,
      xmlns: 'http://www.w3.org/2000/svg',
    },
    body,
  );
}
