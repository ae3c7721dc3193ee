import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../dist/bench/result.js';
import { escapeHtml, escapeMarkdownCell, escapeMarkdownText } from '../dist/reports/escape.js';
import { BENCH_CSV_COLUMNS } from '../dist/reports/csv.js';
import { medianRelativeError } from '../dist/bench/stats.js';
import { MARKDOWN_BUDGET_BYTES } from '../dist/reports/markdown.js';
import { REPORTERS, REPORT_FORMATS, reportFileName } from '../dist/reports/registry.js';
import { parseCsv } from './helpers/csv.js';
import { editableCopy } from './helpers/mutable.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/bench-result.json', import.meta.url), 'utf8'),
) as BenchResult;

const HOSTILE = '</details><script>alert(1)</script>| x |';

/** Cells of a GFM table row, split the way GFM does: on `|` not taken by a backslash escape. */
function splitRow(row: string): string[] {
  const cells: string[] = [];
  let current = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i]!;
    if (c === '\\' && i + 1 < row.length) {
      current += c + row[i + 1]!;
      i++;
    } else if (c === '|') {
      cells.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  cells.push(current);
  // A row starts and ends with a pipe: drop the empty edges.
  return cells.slice(1, -1).map((s) => s.trim());
}

/** The table that follows `heading` (the first one after it), header row first. */
function tableAfter(md: string, heading: string): string[][] {
  const start = md.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = md.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(line);
  }
  return rows.map(splitRow);
}

const md = REPORTERS.md.render(fixture);

describe('escapeMarkdownCell', () => {
  it('neutralises pipes, HTML, Markdown and line breaks', () => {
    const out = escapeMarkdownCell(`${HOSTILE}\n\`code\` *b* _i_ [l](u) ~s~ \\ & #`);
    expect(out).toBe(
      '&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\| x \\| \\`code\\` \\*b\\* \\_i\\_ \\[l\\](u) \\~s\\~ \\\\ &amp; #',
    );
    expect(out).not.toMatch(/[<>\n]/);
    expect(splitRow(`| ${out} |`)).toHaveLength(1);
  });

  it('escapes a leading # and strips control characters, keeping an empty cell a cell', () => {
    expect(escapeMarkdownCell('# title')).toBe('\\# title');
    expect(escapeMarkdownCell('a\u0000b\u0007c\u202Ed\r\ne\rf\tg')).toBe('abcd e f g');
    expect(escapeMarkdownCell('')).toBe(' ');
    expect(escapeMarkdownCell('\n')).toBe(' ');
  });

  it('keeps an escaped backslash from escaping the pipe after it', () => {
    expect(splitRow(`| ${escapeMarkdownCell('a\\|b')} |`)).toEqual(['a\\\\\\|b']);
  });
});

describe('escapeMarkdownText and escapeHtml', () => {
  it('escapeMarkdownText keeps prose on one line without markup', () => {
    expect(escapeMarkdownText('line\nnext <b>x</b>')).toBe('line next &lt;b&gt;x&lt;/b&gt;');
  });

  it('escapeHtml escapes every HTML metacharacter, quotes included', () => {
    expect(escapeHtml(`${HOSTILE} "q" 'a' &`)).toBe(
      '&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;| x | &quot;q&quot; &#39;a&#39; &amp;',
    );
  });
});

describe('reporter registry', () => {
  it('registers one reporter per format under its own name, with its file name', () => {
    expect(REPORT_FORMATS).toEqual(['md', 'json', 'csv', 'html']);
    for (const format of REPORT_FORMATS) expect(REPORTERS[format].name).toBe(format);
    expect(REPORT_FORMATS.map(reportFileName)).toEqual([
      'report.md',
      'result.json',
      'report.csv',
      'report.html',
    ]);
  });
});

describe('markdown report', () => {
  it('matches the checked-in snapshot', async () => {
    await expect(md).toMatchFileSnapshot('./__snapshots__/report.md');
  });

  it('heads the report with the environment, the options and the workloads', () => {
    expect(md.startsWith('## crawlbench\n')).toBe(true);
    expect(md).toContain(
      'crawlbench 0.1.0 (3f9c2a1) · Node v20.20.0 · Linux 6.8.0-1021-azure x64 · AMD EPYC 7763 64-Core Processor × 2 cores · 7.8 GiB · CI: github-actions',
    );
    expect(md).toContain('3 measured runs after 1 warm-up run per cell');
    expect(md).toMatch(/^- \*\*IO-bound:\*\* A slow server .*200 pages, 50 ms latency, 10 KiB per page/m);
    expect(md).toContain('Ideal: latency × ceil(pages / concurrency).');
    expect(md).not.toContain('Interrupted');
  });

  it('heads each mode with its verdict and a five-column headline table, one row per cell', () => {
    const io = tableAfter(md, '### IO-bound');
    expect(io[0]).toEqual(['Strategy ×N', 'Pages/s', 'vs serial', 'Efficiency', 'Bound']);
    expect(io).toHaveLength(2 + 7);
    for (const row of io) expect(row).toHaveLength(5);
    expect(io[2]).toEqual(['serial', '19.2', '1.00x', '96%', 'waiting: 0.04 of 1 core used']);
    expect(io[3]).toEqual(['async ×16', '293.1', '15.26x ± 0.10', '95%', 'waiting: 0.58 of 1 core used']);
    expect(io[5]).toEqual(['async ×256 ²', '933.7', '48.61x ± 0.49', '23%', 'CPU: 0.96 of 1 core used']);
    expect(io[6]).toEqual([
      'async ×64 (fetch only) ³',
      '961.1',
      '50.04x ± 0.33',
      '96%',
      'site: 0.97 of its core',
    ]);
    expect(md).toMatch(/### IO-bound\n\n\*\*Verdict:\*\* async ×256 wins on IO-bound pages: /);
    // No row wider than a PR comment: the headline rows stay short.
    for (const line of md.split('\n').filter((l) => l.startsWith('| ') && l.split('|').length === 7)) {
      expect(line.length, line).toBeLessThanOrEqual(90);
    }
  });

  it('folds the wide table of each mode, twelve columns, memory in MiB', () => {
    const io = tableAfter(md, '<details><summary>All measurements: IO-bound</summary>');
    expect(io[0]).toEqual([
      'Strategy',
      'Concurrency',
      'Runs (median ±)',
      'Wall median [s]',
      'Mean ± σ [s]',
      'Pages/s',
      'vs serial',
      'Efficiency',
      'CPU [s]',
      'Peak RSS [MiB]',
      'p50 / p99 [ms]',
      'Errors',
    ]);
    expect(md).not.toContain('[MB]');
    expect(io).toHaveLength(2 + 7);
    for (const row of io) expect(row).toHaveLength(12);
    // Runs, and the median's relative standard error: sqrt(pi / 2) * s / sqrt(3) / median, with
    // s = 16.9 ms over 10,412.6 (walls 10,412.6, 10,398.2 and 10,431.9 ms): ±0.12%.
    expect(io[2]).toEqual([
      'serial',
      '1',
      '3 (±0.1%)',
      '10.413',
      '10.414 ± 0.017',
      '19.2',
      '1.00x',
      '96%',
      '0.402',
      '88.5',
      '51.2 / 53.9',
      '0',
    ]);
    expect(io[3]).toEqual([
      'async',
      '16',
      '3 (±0.5%)',
      '0.682',
      '0.683 ± 0.004',
      '293.1',
      '15.26x ± 0.10',
      '95%',
      '0.391',
      '96.0',
      '51.8 / 56.4',
      '0',
    ]);
    expect(io[6]?.[0]).toBe('async (fetch only)');

    const cpu = tableAfter(md, '<details><summary>All measurements: CPU-bound</summary>');
    expect(cpu).toHaveLength(2 + 4);
    // processes: Peak RSS is the child's (121 MiB), not the parent's; errors summed over measured runs.
    expect(cpu[5]).toEqual([
      'processes',
      '2',
      '3 (±0.2%)',
      '1.648',
      '1.649 ± 0.004',
      '182.0',
      '1.24x ± 0.00',
      '62%',
      '3.141',
      '121.0',
      '11.0 / 16.8',
      '2',
    ]);
  });

  it('with a single run, says n/a rather than ± 0.00, and the verdict claims no spread', () => {
    const single = editableCopy(fixture);
    for (const cell of single.cells) {
      cell.samples = cell.samples.filter((s) => s.index <= 1);
      cell.wallMs = { ...cell.wallMs, n: 1, stddev: 0 };
      if (cell.vsSerial) cell.vsSerial.sigma = 0;
    }
    const out = REPORTERS.md.render(single);
    const io = tableAfter(out, '### IO-bound');
    expect(io[3]?.[2]).toBe('15.26x ± n/a');
    const wide = tableAfter(out, '<details><summary>All measurements: IO-bound</summary>');
    expect(wide[3]?.[2]).toBe('1 (—)');
    expect(wide[3]?.[4]).toBe('0.683 ± n/a');
    expect(wide[3]?.[6]).toBe('15.26x ± n/a');
    expect(out).not.toContain('± 0.00');
    expect(out).toContain('One run per cell: the run-to-run noise was not measured.');
  });

  it('says which cells ran extra rounds, and which ended less certain than the target', () => {
    const extended = editableCopy(fixture);
    Object.assign(extended.options, { maxRuns: 6, targetErrorPct: 2, budgetMs: 45_000 });
    // io serial ran two rounds more (copies of its runs: the same spread, so still ±0.1%).
    const serial = extended.cells[0]!;
    const measured = serial.samples.filter((s) => !s.warmup);
    serial.samples.push(...measured.slice(0, 2).map((s, i) => ({ ...s, index: serial.samples.length + i })));
    const out = REPORTERS.md.render(extended);
    expect(out).toContain('3-5 measured runs after 1 warm-up run per cell');
    expect(out).toContain(
      "Every cell ran 3 measured runs; then the cells of a mode in which a median was less certain than ±2% (its relative standard error) ran more rounds together, up to 6, while the bench's 45 s budget lasted: 1 of",
    );
    // Only io serial of io's cells ran more (a result written so is read as it is): 3-5 runs.
    expect(out).toContain('lasted: 1 of 2 modes did (io: 3-5 runs); ');
    // async ×64's three runs spread by ±11.6%: the budget or the cap ended it short of ±2%.
    expect(out).toContain('io async ×64 ended at ±11.6%');
    expect(out).not.toMatch(/io serial ended at/);
    expect(tableAfter(out, '<details><summary>All measurements: IO-bound</summary>')[2]?.[2]).toBe(
      '5 (±0.1%)',
    );
    // A result from before extra rounds (no maxRuns) says nothing of them.
    expect(md).toContain('3 measured runs after 1 warm-up run per cell');
    expect(md).not.toContain('Every cell ran');
  });

  it('says when the budget left no time for an extra round, with the decimals that show a missed target', () => {
    const short = editableCopy(fixture);
    const async64 = short.cells.find((c) => c.id === 'io/async/64')!;
    const wall = async64.samples.filter((s) => !s.warmup).map((s) => s.wallMs);
    const errorPct = medianRelativeError(wall) * 100;
    // A target just under the cell's error, the same at one decimal: 11.6% against ±11.63%.
    const target = Math.floor(errorPct * 10) / 10;
    expect(errorPct).toBeGreaterThan(target);
    Object.assign(short.options, { maxRuns: 6, targetErrorPct: target, budgetMs: 45_000 });
    const out = REPORTERS.md.render(short);
    expect(out).toContain('lasted: none did, as the budget left no time for a round; ');
    const shown = /io async ×64 ended at ±(\d+\.\d+)%/.exec(out)?.[1];
    expect(shown).toBe(errorPct.toFixed(2));
    expect(Number(shown)).toBeGreaterThan(target);
  });

  it('explains flags under the headline table, in words', () => {
    expect(md).toContain('- ¹ async ×64: noisy: wall time varied by 16% between runs');
    expect(md).toContain(
      '- ² async ×256: **CPU-bound in IO mode:** this crawl was labelled IO-bound, but the crawler used 0.96 of 1 usable core',
    );
    expect(md).toContain('- ³ async ×64 (fetch only): site saturated (0.97 cores)');
    // A plain CPU bound is in the Bound column, not repeated as a note.
    expect(md).toContain('| threads ×2 | 183.9 | 1.26x ± 0.01 | 63% | CPU: 1.90 of 2 cores used |');
    expect(md).not.toContain('usable cores: CPU-bound');
    expect(md).toContain('- ¹ processes ×2: 2 failed pages over the measured runs');
  });

  it('states the verdicts, computed from the cells, and the raw ceiling', () => {
    expect(md).toContain(
      '**Verdict:** threads ×2 wins on CPU-bound pages: 1.26x ± 0.01 faster than serial at 63% of the ideal, not clearly ahead of processes ×2 (1.009x ± 0.005, within the noise).',
    );
    // The stored verdicts of this (schema 1) result are not what is shown: the cells are.
    expect(md).not.toContain('many cheap waiters win');
    // async ×256 against pools of 2 is no fair fight, and the report says so.
    expect(md).toContain(
      'Not a like-for-like race: async ×256 had 256 requests in flight, async ×64 had 64, async ×16 had 16, threads ×2 and processes ×2 had 2, and on IO-bound pages the number in flight sets the pace',
    );
    expect(md).toContain(
      '**Raw ceiling:** autocannon (64 connections, 10.000 s): 1102.7 req/s; async ×64 (fetch only): 961.1 pages/s = 87% ± 1% of the raw ceiling.',
    );
  });

  it('states the machine noise against the CPU-bound cells, and nothing for a result without it', () => {
    // The fixture predates the probe: no line.
    expect(md).not.toContain('Machine noise');
    const noise = {
      threads: 2,
      rounds: 10_000,
      wallMs: { n: 5, mean: 200, stddev: 1, median: 199.5, min: 198, max: 202 },
      cv: 0.005,
    };
    const out = REPORTERS.md.render({ ...fixture, machineNoise: noise });
    // The fixture's CPU-bound cells (io/async/256 and the four cpu cells) have CVs of 0.98%, 0.29%,
    // 0.40%, 0.40% and 0.24%: four at or below 0.5%.
    expect(out).toContain(
      "**Machine noise:** 10,000 rounds of the cpu workload's extra work on each of 2 threads at once, once per round between the cells: median 199.5 ms, CV 0.5% over 5 measured rounds. Only the machine changes between these runs, so this spread is the floor under a CPU-bound cell's: a cell near it is as steady as this machine allows. The CPU-bound cells' CVs: 0.2%-1.0%, 4 of 5 at or below the machine's.",
    );
    expect(REPORTERS.html.render({ ...fixture, machineNoise: noise })).toContain(
      '<p><b>Machine noise:</b> 10,000 rounds of the cpu workload&#39;s extra work on each of 2 threads',
    );
  });

  it('draws one well-formed horizontal xychart per mode, one bar per cell, each labelled with its value', () => {
    const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!.split('\n'));
    expect(blocks).toHaveLength(2);
    for (const [i, lines] of blocks.entries()) {
      // The raw ceiling's own cell is reported in its line, not charted with a workload.
      const cells = fixture.cells.filter(
        (c) => c.mode === (i === 0 ? 'io' : 'cpu') && c.id !== fixture.rawCeiling?.cellId,
      );
      expect(lines[0]).toBe('xychart-beta horizontal');
      expect(lines[1]).toMatch(/^ {4}title "[^"]+"$/);
      const labels = /^ {4}x-axis \[(.*)\]$/.exec(lines[2]!)![1]!.split(', ');
      for (const label of labels) expect(label).toMatch(/^"[A-Za-z0-9 ()._/+-]+ \(\d+\.\d\)"$/);
      expect(lines[3]).toMatch(/^ {4}y-axis "pages\/s" 0 --> \d+$/);
      const bars = /^ {4}bar \[(.*)\]$/.exec(lines[4]!)![1]!.split(', ').map(Number);
      expect(lines).toHaveLength(5);
      expect(labels).toHaveLength(cells.length);
      expect(bars).toEqual(cells.map((c) => Number(c.pagesPerSecond.median.toFixed(1))));
      expect(labels.map((l) => Number(/\((\d+\.\d)\)"$/.exec(l)![1]))).toEqual(bars);
    }
    expect(blocks[0]![2]).toBe(
      '    x-axis ["serial (19.2)", "async x16 (293.1)", "async x64 (862.4)", "async x256 (933.7)", "async x64 fetch-only (961.1)", "threads x2 (38.4)", "processes x2 (38.1)"]',
    );
  });

  it('lists every run and every failure in collapsed details', () => {
    const runs = tableAfter(md, '<details><summary>Runs</summary>');
    expect(runs).toHaveLength(2 + fixture.cells.reduce((n, c) => n + c.samples.length, 0));
    expect(runs[2]).toEqual(['io/serial/1', '0 (warm-up)', '11.246', '17.8', '0.442']);
    const failures = tableAfter(md, '<details><summary>Failures (2)</summary>');
    expect(failures).toHaveLength(2 + 2);
    expect(md).not.toContain('more not shown');
  });

  it('shows hostile URLs and messages only escaped', () => {
    expect(md).not.toMatch(/<script|<\/script|<b>/i);
    // The only raw tags are the report's own details blocks (a wide table per mode, the runs,
    // the failures), each opened once and closed once.
    const block = ['<details', '<summary', '</summary', '</details'];
    expect([...md.matchAll(/<\/?[a-z]+/g)].map((m) => m[0])).toEqual([
      ...block,
      ...block,
      ...block,
      ...block,
    ]);
    const failures = tableAfter(md, '<details><summary>Failures (2)</summary>');
    for (const row of failures) expect(row).toHaveLength(4);
    const hostile = failures[3]!;
    expect(hostile[1]).toContain('&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\| x \\|');
    expect(hostile[3]).toBe(
      'Unexpected \\`&lt;/details&gt;\\` \\| &lt;script&gt;alert("x")&lt;/script&gt; \\| injected \\| row \\| # heading \\*bold\\* \\\\ end',
    );
    // Every table row of the report keeps the column count of its header.
    const lines = md.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith('|') || lines[i - 1]?.startsWith('|')) continue;
      const width = splitRow(lines[i]!).length;
      for (let j = i; j < lines.length && lines[j]!.startsWith('|'); j++) {
        expect(splitRow(lines[j]!), lines[j]).toHaveLength(width);
      }
    }
  });

  it('calls out an interrupted bench at the top and a missing serial as —', () => {
    const cells = fixture.cells.filter((c) => c.mode === 'io' && c.strategy !== 'serial');
    const partial: BenchResult = {
      ...fixture,
      state: 'interrupted',
      cells: cells.map((c) => ({ ...c, vsSerial: null, efficiency: null })),
    };
    const out = REPORTERS.md.render(partial);
    const [, second] = out.split('\n\n');
    expect(second).toMatch(/^> \[!WARNING\]\n> \*\*Interrupted:\*\*/);
    const io = tableAfter(out, '### IO-bound');
    expect(io[2]?.[2]).toBe('—');
    expect(io[2]?.[3]).toBe('—');
    expect(out).toContain('### CPU-bound\n\n_No cell of this mode completed._');
  });

  it('stays under 1 MiB with 50,000 failures, saying how many it left out', () => {
    const failures = Array.from({ length: 50_000 }, (_, i) => ({
      cellId: 'io/async/64',
      url: `http://127.0.0.1:40123/page/${i}?q=${'x'.repeat(80)}`,
      code: 'HTTP_STATUS',
      message: `HTTP 500 Internal Server Error <${'y'.repeat(60)}>`,
    }));
    const out = REPORTERS.md.render({ ...fixture, failures });
    const bytes = Buffer.byteLength(out, 'utf8');
    expect(bytes).toBeLessThanOrEqual(MARKDOWN_BUDGET_BYTES);
    expect(bytes).toBeGreaterThan(MARKDOWN_BUDGET_BYTES - 2048);
    const shown = tableAfter(out, '<details><summary>Failures (50000)</summary>').length - 2;
    expect(shown).toBeGreaterThan(1000);
    expect(out).toContain(
      `\n\n… ${50_000 - shown} more not shown, to keep the report under 1 MiB.\n\n</details>\n`,
    );
    // The essentials are all there, the runs too.
    expect(out).toContain('### CPU-bound');
    expect(out).toContain('| cpu/processes/2 | 3 |');
  });

  it('clips a huge message to the start of it', () => {
    const failures = [
      { cellId: 'io/async/64', url: 'http://h/', code: 'X', message: `${'😀'.repeat(200_000)}` },
    ];
    const out = REPORTERS.md.render({ ...fixture, failures });
    const row = tableAfter(out, '<details><summary>Failures (1)</summary>')[2]!;
    expect(row[3]!.endsWith('…')).toBe(true);
    expect(row[3]!.length).toBeLessThanOrEqual(300);
    expect(row[3]).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('json report', () => {
  it('is pretty, ends with a newline and round-trips to the same result', () => {
    const out = REPORTERS.json.render(fixture);
    expect(out.startsWith('{\n  "schema": "crawlbench/bench-result",\n')).toBe(true);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual(fixture);
  });
});

describe('csv report', () => {
  it('has the header and one row per sample, warm-ups included, in matrix order', () => {
    const out = REPORTERS.csv.render(fixture);
    const rows = parseCsv(out);
    expect(rows[0]).toEqual([...BENCH_CSV_COLUMNS]);
    const samples = fixture.cells.flatMap((c) => c.samples.map((s) => ({ c, s })));
    expect(rows).toHaveLength(1 + samples.length);
    expect(rows[1]).toEqual([
      'io',
      'serial',
      '1',
      'true',
      'io/serial/1',
      '0',
      'true',
      '11245.6',
      '17.785',
      '200',
      '0',
      '353.8',
      '88.5',
      '92274688',
      '',
      '210.4',
      '51.2',
      '52',
      '53.9',
      // A result written before the run's place and the host's steal time were recorded.
      '',
      '',
      '',
      '',
    ]);
    const processes = rows.find((r) => r[4] === 'cpu/processes/2' && r[5] === '1')!;
    expect(processes[14]).toBe(String(121 * 2 ** 20));
    expect(processes[10]).toBe('1');
    const placed: BenchResult = {
      ...fixture,
      cells: [
        {
          ...fixture.cells[0]!,
          samples: [
            { ...fixture.cells[0]!.samples[0]!, sequence: 7, startMs: 12.5, endMs: 40.25, hostStealMs: 10 },
          ],
        },
      ],
    };
    expect(parseCsv(REPORTERS.csv.render(placed))[1]!.slice(-4)).toEqual(['7', '12.5', '40.25', '10']);
  });

  it('quotes fields that hold commas, quotes or newlines', () => {
    const cell = fixture.cells[0]!;
    const odd: BenchResult = { ...fixture, cells: [{ ...cell, id: 'io/"odd",\nid' }] };
    const out = REPORTERS.csv.render(odd);
    expect(out).toContain('"io/""odd"",\nid"');
    const rows = parseCsv(out);
    expect(rows).toHaveLength(1 + cell.samples.length);
    expect(rows[1]?.[4]).toBe('io/"odd",\nid');
  });
});
