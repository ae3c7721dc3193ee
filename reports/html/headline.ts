import type { CellFlag, CellResult } from '../../bench/result.js';
import { escapeHtml } from '../escape.js';
import {
  NONE,
  boundText,
  cellLabel,
  hasSpread,
  baselineOf,
  versusHeader,
  percent,
  rate,
  ratio,
} from '../markdown-format.js';
import { strategyClass } from './strategy-style.js';

/** What each flag means, for the badge's tooltip and the notes under the table. */
const FLAG_TEXT: Readonly<Record<CellFlag, { badge: string; note: string }>> = {
  noisy: { badge: 'noisy', note: 'wall time varied by more than 10% between runs' },
  'slow-first-run': {
    badge: 'slow first run',
    note: 'the first measured run was much slower than the rest: consider more warm-up runs',
  },
  'cpu-bound-in-io-mode': {
    badge: 'CPU-bound in IO mode',
    note: 'labelled IO-bound, but the crawler used most of the CPU it could: it measured CPU, not waiting on the network',
  },
  'site-saturated': {
    badge: 'site saturated',
    note: 'the fixture site used most of its core: it, not the crawler, set the pace',
  },
  errors: { badge: 'errors', note: 'some pages failed (see Failures)' },
  'host-steal': {
    badge: 'host steal',
    note: "the hypervisor took more than 5% of the machine's CPU during a run (steal time): the host, not the crawler, slowed it",
  },
};

const known = (f: string): f is CellFlag => Object.hasOwn(FLAG_TEXT, f);

function vsSerial(cell: CellResult, serial: CellResult | undefined): string {
  if (cell === serial) return '1.00x';
  return cell.vsSerial === null ? NONE : ratio(cell.vsSerial, hasSpread(cell, serial));
}

function row(cell: CellResult, serial: CellResult | undefined): string {
  const flags = cell.flags
    .filter(known)
    .map(
      (f) =>
        ` <span class="flag" title="${escapeHtml(FLAG_TEXT[f].note)}">${escapeHtml(FLAG_TEXT[f].badge)}</span>`,
    )
    .join('');
  const { min, max, median } = cell.pagesPerSecond;
  const cells = [
    `<td><span class="key ${strategyClass(cell.strategy)}"></span>${escapeHtml(cellLabel(cell))}${flags}</td>`,
    `<td class="num">${rate(median)}</td>`,
    `<td class="num dim">${rate(min)}–${rate(max)}</td>`,
    `<td class="num">${escapeHtml(vsSerial(cell, serial))}</td>`,
    `<td class="num">${cell.efficiency === null ? NONE : percent(cell.efficiency)}</td>`,
    `<td>${escapeHtml(boundText(cell))}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

/**
 * The headline of a mode: its verdict (who won, by how much, how sure, and whether the race was
 * like-for-like), then a row per cell: pages/s and their range, the speedup against serial, the
 * efficiency against the ideal, and what bound it, with its flags as badges explained below.
 */
export function headline(cells: readonly CellResult[], verdictText: string | null): string {
  const serial = baselineOf(cells);
  const parts: string[] = [];
  if (verdictText !== null) parts.push(`<p class="verdict">${escapeHtml(verdictText)}</p>`);
  parts.push(
    `<table class="headline"><thead><tr><th>Strategy ×N</th><th>Pages/s</th><th>min–max</th><th>${escapeHtml(versusHeader(cells))}</th><th>Efficiency</th><th>Bound</th></tr></thead>`,
    `<tbody>${cells.map((c) => row(c, serial)).join('')}</tbody></table>`,
  );
  const seen = [...new Set(cells.flatMap((c) => c.flags.filter(known)))];
  if (seen.length > 0) {
    const items = seen.map((f) => {
      const who = cells.filter((c) => c.flags.includes(f)).map((c) => escapeHtml(cellLabel(c)));
      return `<li><span class="flag">${escapeHtml(FLAG_TEXT[f].badge)}</span> ${who.join(', ')}: ${escapeHtml(FLAG_TEXT[f].note)}.</li>`;
    });
    parts.push(`<ul class="notes">${items.join('')}</ul>`);
  }
  return parts.join('\n');
}
