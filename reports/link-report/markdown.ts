import type { BrokenLink, Referrer, Referrers } from '../../crawler/link-check/types.js';
import { escapeMarkdownCell, escapeMarkdownText } from '../escape.js';
import { brokenCount, isPermanent, type LinkReport } from './report.js';
import type { LinkRenderOptions, LinkReporter } from './reporter.js';
import { clip as clipText } from '../clip.js';

/**
 * What the Markdown may weigh, in UTF-8 bytes: GitHub refuses a job summary over 1 MiB, and other
 * steps may append to the same summary. The headline and the totals always fit; the lists fill
 * what is left, in the order an author fixes from, each cut with a note saying how many more the
 * JSON report has.
 */
export const LINK_MARKDOWN_BUDGET_BYTES = 900 * 1024;

/** Referrers named per URL in the Markdown (the JSON report has every one kept). */
const REFERRERS_SHOWN = 5;
/** A cell shows the start of a long URL, text or message, never a split surrogate pair. */
const MAX_CELL_CHARS = 300;
/** Room kept for a cut table's heading and note, per table: reserved up front, so notes never overflow. */
const NOTE_RESERVE = 300;
const TABLES = 5;

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

const clip = (text: string): string => clipText(text, MAX_CELL_CHARS);

/** One table cell of outside text: clipped, escaped. */
const cell = (text: string | null): string => (text === null ? ' ' : escapeMarkdownCell(clip(text)));
const code = (text: string): string => `\`${text.replace(/[^\w.:=,-]/g, '')}\``;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A page as a cell: its title and URL, or its URL. */
function pageCell(page: Pick<Referrer, 'url' | 'title'>): string {
  return page.title === null ? cell(page.url) : `${cell(page.title)} — ${cell(page.url)}`;
}

function referrersCell(referrers: Referrers): string {
  const { pages, more } = referrers;
  const total = pages.length + more;
  if (total === 0) return 'a seed (the list or a sitemap)';
  const shown = pages.slice(0, REFERRERS_SHOWN).map((p) => cell(p.url));
  const rest = total - shown.length;
  return `${shown.join('<br>')}${rest > 0 ? `<br>+${rest} more` : ''}`;
}

function statusCell(link: BrokenLink): string {
  return link.status === null ? cell(link.code) : `${link.status} ${cell(link.code)}`;
}

/** Renders tables within what is left of the budget. */
class Budget {
  #left: number;
  readonly #jsonReport: string | null;

  constructor(bytes: number, jsonReport: string | null) {
    this.#left = bytes - TABLES * NOTE_RESERVE;
    this.#jsonReport = jsonReport;
  }

  take(text: string): string {
    this.#left -= byteLength(text) + 2;
    return text;
  }

  /**
   * `heading` and `intro`, then a table of as many `rows` as fit; the `total - shown` others are
   * counted in a note. With no room for a row, the heading and the note alone (paid for by the
   * reserve the constructor set aside).
   */
  table(
    heading: string,
    intro: string | null,
    header: string,
    rows: Iterable<string>,
    total: number,
    what: readonly [string, string],
  ): string {
    let text = `${heading}\n\n${intro === null ? '' : `${intro}\n\n`}${header}\n`;
    let used = byteLength(text);
    let shown = 0;
    if (used > this.#left) {
      text = `${heading}\n`;
    } else {
      for (const row of rows) {
        const cost = byteLength(row) + 1;
        if (used + cost > this.#left) break;
        text += `${row}\n`;
        used += cost;
        shown++;
      }
    }
    const rest = total - shown;
    // GFM reads a line right under a table as one more row: the note needs a blank line first.
    if (rest > 0) text += `\n… ${rest} more ${rest === 1 ? what[0] : what[1]} ${this.#where()}.\n`;
    const out = text.trimEnd();
    // What the reserve paid for (the heading and the note) is not taken from the rows' budget.
    this.#left -= shown === 0 ? 0 : byteLength(out) + 2;
    return out;
  }

  #where(): string {
    const json = this.#jsonReport;
    return json === null
      ? 'in the JSON report'
      : `in the JSON report (${escapeMarkdownText(json.slice(0, 100))})`;
  }
}

function headline(report: LinkReport): string[] {
  const t = report.totals;
  const parts: string[] = ['## crawlbench link check'];
  if (report.state === 'interrupted') {
    parts.push(
      '> [!WARNING]\n> **Interrupted:** the crawl was stopped before it finished; what follows is partial.',
    );
  }
  const broken = brokenCount(t);
  if (broken === 0) {
    parts.push('> [!TIP]\n> **No broken links.**');
  } else {
    const fragments =
      t.fragments.missing > 0 ? ` and ${plural(t.fragments.missing, 'missing fragment')}` : '';
    parts.push(
      `> [!CAUTION]\n> **${plural(broken, 'broken link')}:** ${plural(t.broken, 'broken URL')}${fragments}.`,
    );
  }
  const checkedOnly = `${plural(t.links, 'link')} and ${plural(t.resources, 'resource')} checked without crawling`;
  parts.push(
    `**${plural(t.urls, 'URL')} checked** in ${(report.wallMs / 1000).toFixed(1)} s: ` +
      `${plural(t.pages, 'page')} crawled, ${checkedOnly}; ${plural(t.linksFound, 'link')} found on the pages. ` +
      `Accepted statuses: ${code(report.accept)}.`,
  );
  return parts;
}

function totals(report: LinkReport): string[] {
  const t = report.totals;
  const rows = [
    ['ok', t.ok],
    ['redirected', t.redirected],
    ['unchanged (304)', t.unchanged],
    ['cached', t.cached],
    ['broken', t.broken],
    ['excluded', t.excluded],
  ] as const;
  const parts = [
    `| Outcome | URLs |\n| :-- | --: |\n${rows.map(([name, n]) => `| ${name} | ${n} |`).join('\n')}`,
  ];
  const counts = (record: Readonly<Record<string, number>>, format: (key: string) => string): string =>
    Object.entries(record)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .map(([key, n]) => `${format(key)} ${n}`)
      .join(' · ');
  if (t.broken > 0) {
    const byStatus = counts(t.brokenByStatus, (s) => escapeMarkdownText(s));
    parts.push(
      `**Broken by code:** ${counts(t.brokenByCode, code)}${byStatus === '' ? '' : ` — **by status:** ${byStatus}`}`,
    );
  }
  const f = t.fragments;
  if (f.checked + f.unverified > 0) {
    parts.push(
      `**Fragments:** ${f.checked} checked, ${f.missing} missing, ${f.unverified} not verifiable (their page was not crawled).`,
    );
  }
  if (t.notChecked > 0) {
    parts.push(`**Not checked:** ${plural(t.notChecked, 'link')}: the queue was full (raise \`maxQueue\`).`);
  }
  const cache = report.cache;
  if (cache !== null) {
    parts.push(
      `**Results cache** (${escapeMarkdownText(cache.where)}): ${cache.loaded} entries loaded; ` +
        `${cache.fresh} URLs answered from it, ${cache.revalidated} revalidated (${cache.unchanged} unchanged); ` +
        `${cache.stored} entries stored.`,
    );
    for (const problem of cache.problems) parts.push(`> [!WARNING]\n> ${escapeMarkdownText(problem)}`);
  }
  return parts;
}

/** Broken links grouped by the page that links to them (its kept referrers): what an author fixes from. */
function* byPageRows(report: LinkReport): Generator<string> {
  const byPage = new Map<
    string,
    { title: string | null; links: Array<{ link: BrokenLink; text: string | null }> }
  >();
  for (const link of report.broken) {
    for (const ref of link.referrers.pages) {
      let page = byPage.get(ref.url);
      if (page === undefined) {
        page = { title: ref.title, links: [] };
        byPage.set(ref.url, page);
      }
      page.links.push({ link, text: ref.text });
    }
  }
  for (const url of [...byPage.keys()].sort()) {
    const page = byPage.get(url)!;
    let first = true;
    for (const { link, text } of page.links) {
      const pageText = first ? pageCell({ url, title: page.title }) : ' ';
      first = false;
      yield `| ${pageText} | ${cell(link.url)} | ${cell(text)} | ${statusCell(link)} |`;
    }
  }
}

function byPageTotal(report: LinkReport): number {
  return report.broken.reduce((n, link) => n + link.referrers.pages.length, 0);
}

function* byUrlRows(report: LinkReport): Generator<string> {
  for (const link of report.broken) {
    const message = link.message === null ? ' ' : cell(link.message);
    yield `| ${cell(link.url)} | ${link.kind} | ${statusCell(link)} | ${message} | ${referrersCell(link.referrers)} |`;
  }
}

function* fragmentRows(report: LinkReport): Generator<string> {
  for (const f of report.brokenFragments) {
    yield `| ${cell(`${f.url}#${f.fragment}`)} | ${referrersCell(f.referrers)} |`;
  }
}

function* redirectRows(report: LinkReport): Generator<string> {
  for (const r of report.redirects) {
    const chain = `${r.statuses.join(' → ')}${isPermanent(r) ? '' : ' (not all permanent)'}`;
    yield `| ${cell(r.url)} | ${cell(r.finalUrl)} | ${chain} | ${referrersCell(r.referrers)} |`;
  }
}

function* slowRows(report: LinkReport): Generator<string> {
  for (const p of report.slowest) {
    const ttfb = p.ttfbMs === null ? '—' : p.ttfbMs.toFixed(1);
    yield `| ${pageCell(p)} | ${p.totalMs.toFixed(1)} | ${ttfb} | ${p.status ?? '—'} |`;
  }
}

/** Renders a link report as GitHub-flavoured Markdown, at most `budgetBytes` long. */
export function renderLinkMarkdown(report: LinkReport, options: LinkRenderOptions = {}): string {
  const budget = new Budget(options.budgetBytes ?? LINK_MARKDOWN_BUDGET_BYTES, options.jsonReport ?? null);
  const parts = [...headline(report), ...totals(report)].map((p) => budget.take(p));
  const cut = report.cut;
  const keptNote = (n: number, what: string): string =>
    n > 0
      ? `\n\n${n} more ${what} were found but not kept (the lists are capped; the totals count them).`
      : '';
  if (report.broken.length > 0) {
    const perUrl = report.maxReferrers;
    parts.push(
      budget.table(
        '### Broken links by page',
        `Each broken link under the page that links to it (the first ${perUrl} pages per URL are kept).`,
        '| Page | Broken link | Link text | Status |\n| :-- | :-- | :-- | :-- |',
        byPageRows(report),
        byPageTotal(report),
        ['link', 'links'],
      ),
      budget.table(
        '### Broken links by URL',
        null,
        '| URL | Kind | Status | Error | Linked from |\n| :-- | :-- | :-- | :-- | :-- |',
        byUrlRows(report),
        report.broken.length,
        ['broken URL', 'broken URLs'],
      ) + keptNote(cut.broken, 'broken URLs'),
    );
  }
  if (report.brokenFragments.length > 0) {
    parts.push(
      budget.table(
        '### Missing fragments',
        'Links to an `#id` the page they point at does not have.',
        '| Link | Linked from |\n| :-- | :-- |',
        fragmentRows(report),
        report.brokenFragments.length,
        ['missing fragment', 'missing fragments'],
      ) + keptNote(cut.brokenFragments, 'missing fragments'),
    );
  }
  if (report.redirects.length > 0) {
    parts.push(
      budget.table(
        '### Redirects worth updating',
        'Links answered through redirects: pointing them at the target saves a round trip (301 and 308 are permanent).',
        '| Link | Redirects to | Statuses | Linked from |\n| :-- | :-- | :-- | :-- |',
        redirectRows(report),
        report.redirects.length,
        ['redirect', 'redirects'],
      ) + keptNote(cut.redirects, 'redirects'),
    );
  }
  if (report.slowest.length > 0) {
    parts.push(
      budget.table(
        '### Slowest pages',
        null,
        '| Page | Total [ms] | TTFB [ms] | Status |\n| :-- | --: | --: | --: |',
        slowRows(report),
        report.slowest.length,
        ['page', 'pages'],
      ),
    );
  }
  return `${parts.join('\n\n')}\n`;
}

/** The Markdown link report: the CI job summary, or a `.md` report file. */
export const markdownLinkReporter: LinkReporter = {
  name: 'md',
  render: (report, options) => renderLinkMarkdown(report, options),
};
