import { verdict } from '../bench/analyze.js';
import type { BenchResult, Environment, RawCeiling, Workload } from '../bench/result.js';
import { escapeMarkdownText } from './escape.js';
import { describeStop } from './stopped-by.js';
import { renderFailures, renderRuns } from './markdown-details.js';
import {
  MODE_TITLES,
  cellLabel,
  gibibytes,
  modesOf,
  percent,
  machineNoiseText,
  otherWarmupsText,
  extraRoundsText,
  measuredRunsText,
  cellProcessesText,
  queueCostText,
  rate,
  seconds,
} from './markdown-format.js';
import { renderMode } from './markdown-modes.js';
import type { BenchReporter } from './reporter.js';

/**
 * What the whole report may weigh, in UTF-8 bytes. GitHub refuses a job summary over 1 MiB; the
 * essentials come first and the run and failure details fill what is left of this budget, with
 * room to spare for whatever else a workflow step appends to the same summary.
 */
export const MARKDOWN_BUDGET_BYTES = 900 * 1024;

function environmentLine(env: Environment): string {
  const commit = env.gitCommit === null ? '' : ` (${env.gitCommit.slice(0, 7)})`;
  const parts = [
    `crawlbench ${env.crawlbenchVersion}${commit}`,
    `Node ${env.node}`,
    env.os,
    `${env.cpuModel} × ${env.cores} cores`,
    gibibytes(env.memoryBytes),
    env.ci === null ? 'not on CI' : `CI: ${env.ci}`,
  ];
  // Every part may come from the machine (a CPU model, an OS string): escape them all.
  return parts.map(escapeMarkdownText).join(' · ');
}

const plural = (n: number): string => (n === 1 ? '' : 's');

function optionsLine(result: BenchResult): string {
  const { warmup, list } = result.options;
  const depth = result.options.depth ?? null;
  let source = list === null ? 'the embedded fixture site' : `the list ${escapeMarkdownText(list)}`;
  let follow = '';
  if (depth !== null) {
    const seeds = list === null ? 'its first page' : 'its URLs';
    // Escaped like every value a result file brings: `depth` is not among the fields `report` checks.
    source += ` by following links ${escapeMarkdownText(String(depth))} hop${plural(depth)} deep from ${seeds}`;
    follow = ` Links are followed within the same origin, one level at a time (depth d is finished before d + 1 starts); robots.txt is obeyed (one request per run). There is no per-host limit (the crawler's default of 2 would cap every strategy at 2 requests in flight on a one-host site): each cell's own concurrency bounds its requests in flight, since the bench measures the strategies, not politeness.`;
  }
  const extra = extraRoundsText(result);
  return `${escapeMarkdownText(measuredRunsText(result))} after ${warmup} warm-up run${plural(warmup)} per cell${otherWarmupsText(result)}, crawling ${source}; started ${escapeMarkdownText(result.createdAt)}.${follow}${extra === '' ? '' : ` ${escapeMarkdownText(extra)}`} ${escapeMarkdownText(cellProcessesText(result))}`;
}

function workloadLine(w: Workload): string {
  const work = w.cpuWork === 0 ? 'no extra CPU work' : `${w.cpuWork} rounds of extra CPU work per page`;
  const text = (n: number): string => escapeMarkdownText(String(n));
  const seeds = w.seeds ?? 1;
  const pages =
    w.depth === undefined
      ? `${w.pages} pages`
      : `${w.pages} pages reached from ${text(seeds)} seed${plural(seeds)} by following links ${text(w.depth)} hop${plural(w.depth)} deep` +
        (w.sitePages === undefined ? '' : ` on a site of ${text(w.sitePages)}`);
  const shape = `${pages}, ${w.latencyMs} ms latency, ${w.pageKb} KiB per page, ${w.links} links, ${work}`;
  return `- **${MODE_TITLES[w.mode]}:** ${escapeMarkdownText(w.description)} (${shape}). Ideal: ${escapeMarkdownText(w.ideal)}.`;
}

function ceilingLine(result: BenchResult, ceiling: RawCeiling): string {
  const cell = result.cells.find((c) => c.id === ceiling.cellId);
  const crawl =
    cell === undefined
      ? `${escapeMarkdownText(ceiling.cellId)}: not measured`
      : `${escapeMarkdownText(cellLabel(cell))}: ${rate(cell.pagesPerSecond.median)} pages/s`;
  const share = `${percent(ceiling.ratio.value)} ± ${percent(ceiling.ratio.sigma)}`;
  const rps = `${rate(ceiling.requestsPerSecond.median)} req/s`;
  const how = `${ceiling.connections} connections, ${seconds(ceiling.durationMs)} s`;
  return `**Raw ceiling:** ${ceiling.tool} (${how}): ${rps}; ${crawl} = ${share} of the raw ceiling.`;
}

/** Everything but the run and failure details (each mode's verdict, tables and chart): never truncated. */
function essentials(result: BenchResult): string[] {
  const modes = modesOf(result);
  const parts = ['## crawlbench'];
  if (result.state === 'interrupted') {
    // A GitHub alert: the one thing a reader must not miss is that these numbers are partial.
    const stop = describeStop(result);
    const why = stop === null ? '' : ` by a failure: ${escapeMarkdownText(stop)}`;
    parts.push(
      `> [!WARNING]\n> **Interrupted:** the bench was stopped before it finished${why}. Only the cells below completed, and some may have fewer runs than asked for.`,
    );
  }
  parts.push(environmentLine(result.environment), optionsLine(result));
  if (result.workloads.length > 0) parts.push(result.workloads.map(workloadLine).join('\n'));
  for (const mode of modes) {
    // The raw ceiling's fetch-only cell crawls a site of its own: it is reported in its line,
    // not among the cells of a workload (its pages/s would also flatten the chart).
    const cells = result.cells.filter((c) => c.mode === mode && c.id !== result.rawCeiling?.cellId);
    // Computed from the cells rather than read from `result.verdicts`, so a stored result is
    // re-rendered with today's wording (which says when a race was not like-for-like).
    parts.push(renderMode(mode, cells, verdict(mode, cells)));
  }
  if (result.rawCeiling !== null) parts.push(ceilingLine(result, result.rawCeiling));
  const noise = result.machineNoise ?? null;
  if (noise !== null)
    parts.push(`**Machine noise:** ${escapeMarkdownText(machineNoiseText(noise, result.cells))}`);
  const overheads = (result.queueOverheads ?? []).map(
    (o) =>
      `- ${escapeMarkdownText(o.cellId)} against ${escapeMarkdownText(o.baselineId)}: ` +
      `${Math.round(o.perTaskUs.value)} ± ${Math.round(o.perTaskUs.sigma)} µs per task`,
  );
  if (overheads.length > 0)
    parts.push(`**Queue overhead** (distributed over processes):\n\n${overheads.join('\n')}`);
  const costs = (result.queueCosts ?? []).map((c) => `- ${escapeMarkdownText(queueCostText(c))}`);
  if (costs.length > 0) parts.push(`**Queue costs** (medians of the measured runs):\n\n${costs.join('\n')}`);
  return parts;
}

/** Renders a bench result as GitHub-flavoured Markdown, at most {@link MARKDOWN_BUDGET_BYTES} long. */
export function renderMarkdown(result: BenchResult, budgetBytes = MARKDOWN_BUDGET_BYTES): string {
  const parts = essentials(result);
  let used = Buffer.byteLength(parts.join('\n\n'), 'utf8') + 4;
  const runs = renderRuns(result, budgetBytes - used);
  parts.push(runs.text);
  used += runs.bytes + 2;
  const failures = renderFailures(result, budgetBytes - used);
  if (failures.text !== '') parts.push(failures.text);
  return `${parts.join('\n\n')}\n`;
}

/** The Markdown report: CI job summaries and PR comments, in the spirit of hyperfine's tables. */
export const markdownReporter: BenchReporter = {
  name: 'md',
  render: (result) => renderMarkdown(result),
};
