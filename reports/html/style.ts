/**
 * The report's whole style sheet, inlined: system fonts only (no web font, no request), colours
 * from the Okabe–Ito palette (told apart with colour blindness, and in greyscale print by
 * lightness), a single column that reads at 780 px and prints without cutting a chart in two.
 */
export const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --dim: #59636e; --grid: #e4e7eb; --fail: #d55e00; --site: #7a4b2a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; margin: 0 auto; max-width: 800px; padding: 16px 10px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--grid); }
h3 { font-size: 15px; margin: 20px 0 4px; }
nav a { margin-right: 12px; }
a { color: #0969da; }
.dim, figcaption, summary { color: var(--dim); }
.verdict { font-size: 15px; background: #f6f8fa; border-left: 4px solid #0072b2; padding: 8px 12px; margin: 10px 0; }
.warning { background: #fff8c5; border-left: 4px solid #bf8700; padding: 8px 12px; }
.note { color: var(--dim); font-style: italic; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; margin: 6px 0; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--grid); text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: 600; white-space: nowrap; overflow-wrap: normal; }
.headline td:last-child { white-space: nowrap; }
.num { text-align: right; white-space: nowrap; }
.scroll { overflow-x: auto; }
details { margin: 6px 0; }
summary { cursor: pointer; }
figure { margin: 10px 0 18px; break-inside: avoid; }
figcaption { font-size: 13px; margin-bottom: 2px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 760px; }
svg.chart text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif; fill: var(--ink); }
svg.chart .tick, svg.chart .axis, svg.chart .note-text { fill: var(--dim); }
.grid { stroke: var(--grid); stroke-width: 1; }
.s-serial { --c: #3d3d3d; --c2: #c4c4c4; }
.s-async { --c: #0072b2; --c2: #a6d1ee; }
.s-threads { --c: #c77f00; --c2: #f4d28a; }
.s-processes { --c: #007a5a; --c2: #9bd9c5; }
.s-distributed { --c: #b0568a; --c2: #ecc6dc; }
.s-other { --c: #707070; --c2: #d0d0d0; }
.rate .whisker { stroke: var(--c); stroke-width: 1.5; }
.rate .run { fill: var(--c); fill-opacity: 0.45; stroke: var(--c); stroke-width: 0.8; }
.rate .median { fill: var(--c); }
.timeline .f { fill: var(--c2); }
.timeline .p { fill: var(--c); }
.timeline .pg rect { stroke: #fff; stroke-width: 0.4; }
.timeline .x rect { fill: var(--fail); stroke: none; }
.timeline .stairs { fill: none; stroke: var(--c); stroke-width: 1.5; }
.cores .crawler { fill: var(--c2); fill-opacity: 0.8; stroke: var(--c); stroke-width: 1.2; }
.cores .site { fill: none; stroke: var(--site); stroke-width: 1.5; stroke-dasharray: 4 2; }
.cores .ceiling { stroke: var(--dim); stroke-dasharray: 2 3; }
.latency .cdf { fill: none; stroke: var(--c); stroke-width: 1.8; }
.swatch { vertical-align: middle; }
.swatch path { stroke: var(--c); stroke-width: 2.5; }
.key, .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: -1px; }
.key { background: var(--c); margin-right: 6px; }
.sw.f { background: var(--c2); } .sw.p { background: var(--c); } .sw.x { background: var(--fail); }
.sw.site { background: none; border-top: 2px dashed var(--site); height: 0; width: 14px; border-radius: 0; vertical-align: 3px; }
.flag { font-size: 11px; padding: 0 5px; border-radius: 8px; background: #fff1e5; color: #953800; border: 1px solid #ffd8b5; white-space: nowrap; }
.legend, .notes { list-style: none; padding: 0; margin: 4px 0; font-size: 13px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dt { color: var(--dim); }
dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 32px; font-size: 12px; color: var(--dim); }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; padding: 0; }
  nav { display: none; }
  h2, h3 { break-after: avoid; }
}
`;
