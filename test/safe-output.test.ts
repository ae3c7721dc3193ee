import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../dist/bench/result.js';
import { terminalLines, terminalText } from '../dist/cli/terminal-text.js';
import { csvText } from '../dist/crawler/output/csv-cell.js';
import { CSV_COLUMNS, csvLine } from '../dist/crawler/output/csv-records.js';
import { jsonLine } from '../dist/crawler/output/json-line.js';
import type { PageRecord } from '../dist/index.js';
import { REPORTERS } from '../dist/reports/registry.js';
import { runCli } from './helpers/cli.js';
import { csvObjects, parseCsv } from './helpers/csv.js';
import { startServer, type TestServer } from './helpers/servers.js';

// What a hostile page, list or server puts where a spreadsheet or a terminal reads it.
const FORMULAS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", '-1+1', '@SUM(A1)', '\t=1', '\r=1'];
const OSC_TITLE = 'a\x1b]0;pwned\x07b\x1b[2Jc';
/** Any control character but LF (the one a quoted CSV cell may hold), DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LF = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
/** The bytes that drive a terminal: ESC, BEL, CSI/OSC/ST and the rest of C1. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

function record(overrides: Partial<PageRecord> = {}): PageRecord {
  return {
    line: 7,
    url: 'http://127.0.0.1/a',
    depth: 0,
    referrer: null,
    finalUrl: 'http://127.0.0.1/a',
    status: 200,
    contentType: 'text/html',
    bytes: 1234,
    redirects: 0,
    attempts: 1,
    timings: { ttfbMs: 1.5, fetchMs: 2.25, parseMs: 0.125, totalMs: 2.375 },
    parse: {
      title: 'ok',
      description: null,
      canonical: null,
      lang: 'en',
      h1Count: 1,
      links: ['http://127.0.0.1/b'],
      wordCount: 12,
      textHash: 'ab'.repeat(32),
      cpuDigest: null,
    },
    error: null,
    ...overrides,
  };
}

function cells(line: string): Record<string, string> {
  const rows = parseCsv(line);
  expect(rows).toHaveLength(1);
  return Object.fromEntries(CSV_COLUMNS.map((name, i) => [name, rows[0]![i] ?? '']));
}

describe('csvText: the CSV cell rule', () => {
  it.each(FORMULAS)('neutralises %j with a leading quote and no control character', (text) => {
    const cell = csvText(text);
    expect(cell.startsWith("'")).toBe(true);
    expect(cell).not.toMatch(CONTROL_BUT_LF);
  });

  it('checks the first character after whitespace, also when a removed control hid it', () => {
    expect(csvText('  =1')).toBe("'  =1");
    expect(csvText('\x01=1')).toBe("'=1");
    expect(csvText('\uFF1D1')).toBe("'\uFF1D1");
    expect(csvText('\t=1')).toBe("' =1");
    expect(csvText('\r=1')).toBe("'\n=1");
  });

  it('removes C0, DEL, C1 and bidi controls, keeps line breaks as LF and leaves plain text alone', () => {
    expect(csvText(OSC_TITLE)).toBe('a]0;pwnedb[2Jc');
    expect(csvText('a\u009b2Jb\u007f\u202Ec')).toBe('a2Jbc');
    expect(csvText('one\r\ntwo\rthree\u2028four')).toBe('one\ntwo\nthree\nfour');
    for (const plain of ['Home page', 'a = b', 'x-1', "it's", '', 'http://h/?a=-1']) {
      expect(csvText(plain)).toBe(plain);
    }
  });
});

describe('record CSV', () => {
  it('neutralises every text cell, keeps numbers numbers and strips controls from every cell', () => {
    const hostile = record({
      url: '=HYPERLINK("http://x")',
      referrer: '@SUM(A1)',
      finalUrl: '-1+1',
      contentType: "+cmd|' /C calc'!A0",
      data: -1,
      error: { code: 'HTTP_4XX', message: '\r=1' },
      parse: {
        ...record().parse!,
        title: '\t=1',
        description: OSC_TITLE,
        canonical: '=1',
        lang: '@x',
      },
    });
    const line = csvLine(hostile);
    expect(line).not.toMatch(CONTROL_BUT_LF);
    const c = cells(line);
    for (const name of [
      'url',
      'referrer',
      'final_url',
      'content_type',
      'title',
      'canonical',
      'lang',
      'data',
      'error_message',
    ]) {
      expect(c[name], name).toMatch(/^'/);
    }
    expect(c.description).toBe('a]0;pwnedb[2Jc');
    expect(c.error_message).toBe("'\n=1");
    // Numbers we write ourselves are never touched.
    expect([c.line, c.status, c.bytes, c.redirects, c.attempts, c.depth]).toEqual([
      '7',
      '200',
      '1234',
      '0',
      '1',
      '0',
    ]);
    expect([c.ttfb_ms, c.fetch_ms, c.parse_ms, c.total_ms]).toEqual(['1.500', '2.250', '0.125', '2.375']);
    expect([c.h1_count, c.link_count, c.word_count, c.error_code]).toEqual(['1', '1', '12', 'HTTP_4XX']);
  });

  it('writes ordinary records exactly as before', () => {
    const c = cells(csvLine(record({ data: { h1: 'Hello' } })));
    expect(c.url).toBe('http://127.0.0.1/a');
    expect(c.title).toBe('ok');
    expect(c.data).toBe('{"h1":"Hello"}');
  });
});

describe('bench CSV', () => {
  it('neutralises a hostile cell id and mode of a stored result; numbers stay numbers', () => {
    const fixture = JSON.parse(
      readFileSync(new URL('./fixtures/bench-result.json', import.meta.url), 'utf8'),
    ) as BenchResult;
    const cell = fixture.cells[0]!;
    const odd: BenchResult = {
      ...fixture,
      cells: [{ ...cell, id: '=HYPERLINK("http://x")\x1b]0;pwned\x07', mode: '@SUM(A1)' as 'io' }],
    };
    const out = REPORTERS.csv.render(odd);
    expect(out).not.toMatch(CONTROL_BUT_LF);
    const rows = parseCsv(out);
    expect(rows[1]![0]).toBe("'@SUM(A1)");
    expect(rows[1]![4]).toBe('\'=HYPERLINK("http://x")]0;pwned');
    expect(rows[1]![7]).toMatch(/^\d+(\.\d+)?$/);
  });
});

describe('jsonLine', () => {
  it('escapes C1, DEL and bidi controls that JSON.stringify leaves, and parses back to the same value', () => {
    const value = { title: 'a\u009b2J\u007f\u202e\x1b]0;x\x07', n: -1 };
    const line = jsonLine(value);
    expect(line).not.toMatch(TERMINAL_CONTROL);
    expect(line).not.toMatch(/[\u202A-\u202E]/);
    expect(line).toContain('\\u009b');
    expect(JSON.parse(line)).toEqual(value);
  });
});

describe('terminalText', () => {
  it('shows every control character as a visible escape', () => {
    expect(terminalText(OSC_TITLE)).toBe('a\\x1b]0;pwned\\x07b\\x1b[2Jc');
    expect(terminalText('a\u009b2J\tb\rc\nd\u202e')).toBe('a\\x9b2J\\x09b\\x0dc\\x0ad\\u202e');
    expect(terminalText('plain: é · ✓')).toBe('plain: é · ✓');
    expect(terminalLines('Error: x\x1b[2J\n    at f')).toBe('Error: x\\x1b[2J\n    at f');
  });
});

describe('through the CLI', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'crawlbench-safe-'));

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const html = (title: string, extra = ''): void => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><html lang="@SUM(A1)"><head><title>${title}</title>${extra}</head><body><p>x</p></body></html>`,
        );
      };
      if (req.url === '/formula') {
        return html('=HYPERLINK("http://x")', `<meta name="description" content="+cmd|' /C calc'!A0">`);
      }
      if (req.url?.startsWith('/osc')) return html(`${OSC_TITLE}\u009b2J`);
      if (req.url === '/sitemap.xml') {
        // A Location with C1 bytes (latin1 on the wire): quoted in the sitemap error of the summary.
        res.writeHead(302, { location: 'http://\u009b[2J\u009d0;pwned\u009c/' });
        return void res.end();
      }
      res.writeHead(404).end();
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function hostileList(): string {
    const list = join(dir, 'list.txt');
    const lines = [
      `${server.url}/formula`,
      `${server.url}/osc`,
      // A valid URL with ESC/BEL in its text (the parser percent-encodes them, the record keeps the line).
      `${server.url}/osc\x1b]0;pwned\x07`,
      '-1+1',
      '@SUM(A1)',
      '=1+2',
      '+1',
      '\x1b]0;pwned\x07',
    ];
    writeFileSync(list, `${lines.join('\n')}\n`);
    return list;
  }

  it('CSV on stdout: every formula cell starts with a quote, no control character, numbers stay numbers', async () => {
    const r = await runCli(['crawl', hostileList(), '-f', 'csv', '-s', 'serial']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(CONTROL_BUT_LF);
    const rows = csvObjects(r.stdout);
    expect(rows).toHaveLength(8);
    const byLine = new Map(rows.map((row) => [Number(row.line), row]));
    const formula = byLine.get(1)!;
    expect(formula.title).toBe('\'=HYPERLINK("http://x")');
    expect(formula.description).toBe("'+cmd|' /C calc'!A0");
    expect(formula.lang).toBe("'@SUM(A1)");
    expect(formula.status).toBe('200');
    expect(formula.bytes).toMatch(/^\d+$/);
    expect(formula.total_ms).toMatch(/^\d+\.\d{3}$/);
    expect(byLine.get(2)!.title).toBe('a]0;pwnedb[2Jc2J');
    expect(byLine.get(3)!.url).toBe(`${server.url}/osc]0;pwned`);
    expect(byLine.get(3)!.status).toBe('200');
    for (const line of [4, 5, 6, 7]) {
      const row = byLine.get(line)!;
      expect(row.url, row.url).toMatch(/^'[-@=+]/);
      expect(row.error_code).toBe('INVALID_URL');
    }
    expect(byLine.get(8)!.url).toBe(']0;pwned');
    // The human summary on stderr carries nothing that drives a terminal either.
    expect(r.stderr).toMatch(/8 pages in/);
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
  });

  it('JSONL on stdout and the summary on stderr carry no ESC, BEL or C1 byte', async () => {
    const r = await runCli(['crawl', hostileList(), '-s', 'async']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(TERMINAL_CONTROL);
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PageRecord);
    // The values are intact: only their spelling on the wire is escaped.
    expect(records.find((x) => x.line === 2)?.parse?.title).toBe(`${OSC_TITLE}\u009b2J`);
  });

  it('a sitemap error quoting C1 bytes of a server reaches the summary as visible escapes', async () => {
    const r = await runCli(['crawl', '--sitemap', `${server.url}/sitemap.xml`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sitemap error: .*\\x9b\[2J\\x9d0;pwned\\x9c/);
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
  });

  it('an error line quoting an option shows its ESC and BEL as escapes, on one line, exit 2', async () => {
    const list = hostileList();
    const r = await runCli(['crawl', list, '--depth', '1', '--include', '\x1b]0;pwned\x07(']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('\\x1b]0;pwned\\x07(');
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
  });

  it('an error line quoting a path shows C1 as an escape (JSON.stringify leaves C1 as it is)', async () => {
    const r = await runCli(['crawl', join(dir, 'missing\u009b2J\u202e.txt')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('missing\\x9b2J\\u202e.txt');
    expect(r.stderr).not.toMatch(TERMINAL_CONTROL);
    expect(r.stderr).not.toMatch(/\u202e/);
  });
});
