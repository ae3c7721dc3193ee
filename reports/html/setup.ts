import type { BenchResult, Workload } from '../../bench/result.js';
import { escapeHtml } from '../escape.js';
import {
  MODE_TITLES,
  cellLabel,
  gibibytes,
  machineNoiseText,
  otherWarmupsText,
  cellProcessesText,
  extraRoundsText,
  measuredRunsText,
  percent,
  queueCostText,
  rate,
  seconds,
} from '../markdown-format.js';

// The environment, the options and the workloads: what a reader needs to judge the numbers,
// every value escaped (a CPU model or an OS string comes from the machine, a list name from argv).

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

function list(entries: readonly (readonly [string, string])[]): string {
  return `<dl>${entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function workloadText(w: Workload): string {
  const work = w.cpuWork === 0 ? 'no extra CPU work' : `${w.cpuWork} rounds of extra CPU work per page`;
  const pages =
    w.depth === undefined
      ? `${w.pages} pages`
      : `${w.pages} pages reached from ${w.seeds ?? 1} seed(s), following links ${w.depth} hop(s) deep`;
  return `${w.description} ${pages}, ${w.latencyMs} ms latency, ${w.pageKb} KiB per page, ${w.links} links, ${work}. Ideal wall time: ${w.ideal}.`;
}

/** The setup section: environment, options, workloads, raw ceiling and queue overheads. */
export function setup(result: BenchResult): string {
  const env = result.environment;
  const o = result.options;
  const commit = env.gitCommit === null ? '' : ` (${String(env.gitCommit).slice(0, 7)})`;
  const concurrency = Object.entries(o.concurrency)
    .map(([s, values]) => `${s} ${(values ?? []).join(', ')}`)
    .join('; ');
  const depth = o.depth ?? null;
  const source =
    (o.list === null ? 'the embedded fixture site' : `the list ${o.list}`) +
    (depth === null ? '' : `, following links ${depth} hop(s) deep`);
  const parts = [
    '<h2 id="setup">Setup</h2>',
    list([
      ['crawlbench', `${env.crawlbenchVersion}${commit}`],
      ['Node', env.node],
      ['OS', env.os],
      ['CPU', `${env.cpuModel} × ${env.cores} cores`],
      ['Memory', gibibytes(env.memoryBytes)],
      ['CI', env.ci ?? 'not on CI'],
      ['Started', result.createdAt],
      [
        'Runs',
        `${measuredRunsText(result)} after ${plural(o.warmup, 'warm-up run')} per cell${otherWarmupsText(result)}`,
      ],
      ...(extraRoundsText(result) === '' ? [] : [['Extra rounds', extraRoundsText(result)] as const]),
      ['Strategies', o.strategies.join(', ')],
      ['Concurrency', concurrency],
      ['Crawling', source],
    ]),
    list(result.workloads.map((w) => [MODE_TITLES[w.mode] ?? String(w.mode), workloadText(w)])),
    `<p class="dim">${escapeHtml(cellProcessesText(result))}</p>`,
  ];
  const ceiling = result.rawCeiling;
  if (ceiling !== null) {
    const cell = result.cells.find((c) => c.id === ceiling.cellId);
    const crawl =
      cell === undefined
        ? `${ceiling.cellId}: not measured`
        : `${cellLabel(cell)}: ${rate(cell.pagesPerSecond.median)} pages/s`;
    parts.push(
      `<p><b>Raw ceiling:</b> ${escapeHtml(
        `${ceiling.tool} (${ceiling.connections} connections, ${seconds(ceiling.durationMs)} s): ${rate(ceiling.requestsPerSecond.median)} req/s; ${crawl} = ${percent(ceiling.ratio.value)} ± ${percent(ceiling.ratio.sigma)} of the raw ceiling.`,
      )}</p>`,
    );
  }
  const noise = result.machineNoise ?? null;
  if (noise !== null) {
    parts.push(`<p><b>Machine noise:</b> ${escapeHtml(machineNoiseText(noise, result.cells))}</p>`);
  }
  const overheads = result.queueOverheads ?? [];
  if (overheads.length > 0) {
    const items = overheads.map(
      (q) =>
        `<li>${escapeHtml(`${q.cellId} against ${q.baselineId}: ${Math.round(q.perTaskUs.value)} ± ${Math.round(q.perTaskUs.sigma)} µs per task`)}</li>`,
    );
    parts.push(`<p><b>Queue overhead</b> (distributed over processes):</p><ul>${items.join('')}</ul>`);
  }
  const costs = result.queueCosts ?? [];
  if (costs.length > 0) {
    const items = costs.map((c) => `<li>${escapeHtml(queueCostText(c))}</li>`);
    parts.push(`<p><b>Queue costs</b> (medians of the measured runs):</p><ul>${items.join('')}</ul>`);
  }
  return `<section class="setup">${parts.join('\n')}</section>`;
}
