import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { CrawlbenchError, InvalidOptionError } from '../../crawler/errors.js';
import { type ResolvedCrawlOptions, resolveCrawlOptions } from '../../crawler/options.js';
import {
  DEFAULT_RECORD_FORMAT,
  RECORD_FORMATS,
  type RecordFormat,
} from '../../crawler/output/record-formats.js';
import { openUrlList, type UrlListSource } from '../../crawler/url-list.js';
import { EXIT, exitCodeOfSignal } from '../exit-codes.js';
import { unwritable } from '../output-file.js';
import { withDefault } from '../help.js';
import { type CliIo, colorEnabled, type StopSignal } from '../io.js';
import type { CrawlProgress } from '../progress.js';
import {
  addCrawlFlags,
  addDistributedFlags,
  addFollowFlags,
  addLinkCheckFlags,
  type CrawlFlags,
  crawlOptionsOf,
  type DistributedFlags,
  distributedOptionsOf,
  type FollowFlags,
  followOptionsOf,
  type LinkCheckFlags,
  linkCheckOptionsOf,
} from './crawl-options.js';

interface CrawlCliFlags extends CrawlFlags, FollowFlags, DistributedFlags, LinkCheckFlags {
  output?: string;
  format?: RecordFormat;
  quiet?: boolean;
  json?: boolean;
  strict?: boolean;
  report?: string[];
}

/** The embedded fixture site a crawl with no list crawls: a slow site of small pages, or a fast one of big pages. */
const EMBEDDED_SITE = {
  io: { pages: 200, latencyMs: 50, pageKb: 10 },
  cpu: { pages: 200, latencyMs: 0, pageKb: 100 },
} as const;

export function crawlCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command('crawl')
    .description(
      'crawl every URL of a list file (or - for stdin) and write one record per URL ' +
        '(with no list, crawl the embedded fixture site)',
    )
    .argument('[list]', 'URL list file, one URL per line, or - for stdin');
  addDistributedFlags(addLinkCheckFlags(addFollowFlags(addCrawlFlags(command))))
    .option('-o, --output <file>', 'write records to a file instead of stdout')
    .addOption(
      new Option('-f, --format <format>', withDefault('record format', DEFAULT_RECORD_FORMAT)).choices(
        RECORD_FORMATS,
      ),
    )
    .option('-q, --quiet', 'no progress bar and no summary')
    .option('--json', 'print the summary as JSON (to stdout when --output is set, else stderr)')
    .option(
      '--report <file>',
      'with --check-links: write the link report, markdown (.md) or JSON (.json) by extension (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--strict', 'exit 1 when any URL failed (with --check-links: when any link is broken)')
    .action(async (list: string | undefined, flags: CrawlCliFlags) => {
      setExit(await crawlAction(list, flags, io));
    });
  return command;
}

async function checkReadable(path: string): Promise<void> {
  if (path === '-') return;
  let reason: string;
  try {
    const info = await stat(path);
    if (info.isFile()) return;
    reason = 'not a file';
  } catch (error) {
    reason = (error as NodeJS.ErrnoException).code ?? 'error';
  }
  throw new CrawlbenchError('LIST_UNREADABLE', `cannot read list ${JSON.stringify(path)}: ${reason}`);
}

async function openOutput(path: string | undefined, io: CliIo): Promise<Writable> {
  if (path === undefined) return io.stdout;
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw unwritable(error, 'output', path);
  }
  return stream;
}

/** Counts the lines of a list file cheaply, so the progress bar can show a total and an ETA. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

/** Resources of this (the main) process: peak RSS and CPU time, for the JSON summary. */
function mainProcessUsage(): { maxRssBytes: number; userCpuMs: number; systemCpuMs: number } {
  const usage = process.resourceUsage();
  return {
    maxRssBytes: usage.maxRSS * 1024,
    userCpuMs: usage.userCPUTime / 1000,
    systemCpuMs: usage.systemCPUTime / 1000,
  };
}

async function crawlAction(list: string | undefined, flags: CrawlCliFlags, io: CliIo): Promise<number> {
  const quiet = flags.quiet === true;
  const stop = new AbortController();
  const abort = new AbortController();
  // Validated once, before anything starts: a bad option exits 2 without a fixture site or output file.
  const resolved: ResolvedCrawlOptions = resolveCrawlOptions({
    ...crawlOptionsOf(flags),
    ...followOptionsOf(flags),
    ...distributedOptionsOf(flags, io.env, flags.strategy),
    ...linkCheckOptionsOf(flags),
    signal: stop.signal,
    abortSignal: abort.signal,
  });
  const follow = resolved.follow;
  const reportPaths = flags.report ?? [];
  if (reportPaths.length > 0 && resolved.linkCheck === null) {
    throw new InvalidOptionError('--report writes the link report: give it with --check-links');
  }
  const reports =
    reportPaths.length === 0 ? [] : (await import('../link-reports.js')).reportTargets(reportPaths);
  const sitemapOnly = list === undefined && (follow?.sitemaps.length ?? 0) > 0;
  if (resolved.kind === 'distributed' && !quiet) {
    io.stderr.write(`distributed run ${resolved.run.runId} on ${resolved.run.where}\n`);
  }
  if (list !== undefined) await checkReadable(list);
  const output = await openOutput(flags.output, io);
  // A failed write ends the crawl at once: nothing more can be recorded. A closed pipe (`| head`)
  // ends it quietly, as Unix tools do; anything else with one line, after the crawl has stopped.
  let writeFailure: NodeJS.ErrnoException | null = null;
  const { createRecordWriter } = await import('../../crawler/output/record-writer.js');
  const writer = await createRecordWriter(
    flags.format ?? DEFAULT_RECORD_FORMAT,
    output,
    (error) => {
      writeFailure = error;
      stop.abort();
      abort.abort();
    },
    { linkCheck: resolved.linkCheck !== null },
  );
  // What goes to stderr is best effort: a closed stderr must not crash the crawl.
  io.stderr.on('error', () => {});
  const showProgress = !quiet && io.stderr.isTTY === true;

  const embedded = list === undefined && !sitemapOnly ? EMBEDDED_SITE[resolved.mode] : null;
  const site = embedded
    ? await (await import('../../bench/fixture-site-process.js')).startFixtureSiteProcess(embedded)
    : undefined;
  // With link following, the embedded site is crawled from its first page, like a site from its home.
  const seeds = site && follow ? [`${site.url}/page/0`] : undefined;
  if (site && !quiet) {
    const from = seeds ? ` from ${seeds[0]}` : '';
    io.stderr.write(`no list given: crawling the embedded fixture site at ${site.url}${from}\n`);
  }

  let progress: CrawlProgress | undefined = undefined;
  // The first signal decides the exit code. Ctrl-C stops dispatching and lets the pages in flight
  // finish (a second one aborts them); SIGTERM and SIGHUP, which give no second chance, do both.
  let stoppedBy: StopSignal | null = null;
  const removeInterrupt = io.onSignal((signal) => {
    const first = stoppedBy === null;
    stoppedBy ??= signal;
    progress?.pause();
    if (first && signal === 'SIGINT') {
      stop.abort();
      if (!quiet) io.stderr.write('\nstopping: finishing pages in flight (Ctrl-C again to abort them)\n');
      return;
    }
    if (first && !quiet) io.stderr.write(`\nstopping (${signal}): aborting pages in flight\n`);
    stop.abort();
    abort.abort();
  });

  let progressTotal: number | undefined;
  if (follow) progressTotal = follow.frontier.maxPages ?? undefined;
  else if (site) progressTotal = site.options.pages;
  else if (showProgress && list !== '-' && list !== undefined) progressTotal = await countLines(list);
  const progressModule = showProgress ? await import('../progress.js') : undefined;
  progress = progressModule?.createCrawlProgress(io.stderr, progressTotal);
  // Records on the terminal the bar is drawn on: the bar steps aside while they are written.
  const recordsOnTerminal =
    output === io.stdout && progressModule?.sameTerminal(io.stdout, io.stderr) === true;
  let done = 0;
  let errors = 0;

  const source: UrlListSource = sitemapOnly
    ? []
    : (seeds ?? (site ? site.urls() : openUrlList(list ?? '-', io.stdin)));
  try {
    const { runCrawl } = await import('../../crawler/crawl.js');
    const summary = await runCrawl(source, resolved, async (record) => {
      done++;
      if (record.error) errors++;
      if (recordsOnTerminal) progress?.pause();
      await writer.write(record);
      progress?.update(done, errors);
    });
    progress?.stop();
    await writer.close();
    if (output !== io.stdout && writer.failure === null && writeFailure === null) {
      output.end();
      // The records the file stream still buffered are written now, and their error (a full
      // disk) comes now: the writer keeps it, as it does during the crawl.
      await once(output, 'finish').catch(() => {});
    }
    const failure = writer.failure ?? writeFailure;
    if (failure !== null) {
      if (output !== io.stdout) output.destroy();
      if (failure.code === 'EPIPE') return EXIT.BROKEN_PIPE;
      const name = flags.output === undefined ? 'stdout' : JSON.stringify(flags.output);
      io.stderr.write(`crawlbench: cannot write records to ${name}: ${failure.code ?? failure.message}\n`);
      return EXIT.ENVIRONMENT;
    }
    if (summary.linkCheck !== undefined && (reports.length > 0 || io.env.GITHUB_STEP_SUMMARY)) {
      const { writeLinkReports } = await import('../link-reports.js');
      await writeLinkReports(summary, reports, io.env.GITHUB_STEP_SUMMARY);
    }
    if (flags.json === true) {
      const target = flags.output === undefined ? io.stderr : io.stdout;
      const { jsonLine } = await import('../../crawler/output/json-line.js');
      const { redactCredentials } = await import('../../crawler/redact.js');
      // Sitemap error messages quote URLs: shown with their passwords hidden, and terminal-safe.
      const f = summary.frontier;
      let shown: object = f
        ? { ...summary, frontier: { ...f, sitemapErrors: f.sitemapErrors.map(redactCredentials) } }
        : summary;
      // The findings (every broken link and its referrers) are the report's: --report FILE.json.
      if (summary.linkCheck !== undefined) {
        const { findings: _findings, ...linkCheck } = summary.linkCheck;
        shown = { ...shown, linkCheck };
      }
      target.write(`${jsonLine({ ...shown, mainProcess: mainProcessUsage() })}\n`);
    } else if (!quiet) {
      const { formatSummary } = await import('../format-summary.js');
      io.stderr.write(`${formatSummary(summary, colorEnabled(io, io.stderr))}\n`);
    }
    if (resolved.kind === 'distributed' && summary.state === 'interrupted' && !quiet) {
      const runId = resolved.run.runId;
      io.stderr.write(`run ${runId} kept in Redis: resume it with --run-id ${runId}\n`);
    }
    if (!quiet) {
      const problems = summary.linkCheck?.cache?.problems ?? [];
      const { terminalText } = await import('../terminal-text.js');
      for (const problem of problems) io.stderr.write(`crawlbench: warning: ${terminalText(problem)}\n`);
    }
    if (stoppedBy !== null) return exitCodeOfSignal(stoppedBy);
    if (flags.strict === true) {
      const link = summary.linkCheck;
      const failed = link === undefined ? summary.failed : link.totals.broken + link.totals.fragments.missing;
      if (failed > 0) return EXIT.FAILURE;
    }
    return EXIT.OK;
  } finally {
    progress?.stop();
    removeInterrupt();
    await site?.close();
  }
}
