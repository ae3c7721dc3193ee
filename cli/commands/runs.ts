import { Command, InvalidArgumentError } from 'commander';
import { parseRedisUrl, REDIS_URL_ENV, redactRedisUrl } from '../../crawler/distributed/redis-url.js';
import { InvalidOptionError } from '../../crawler/errors.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { terminalText } from '../terminal-text.js';

interface RunsCliOptions {
  redis?: string;
  json: boolean;
  prune: boolean;
  olderThan?: number;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** What `--prune` removes without `--older-than`. */
const DEFAULT_PRUNE_AGE = '1d';

/** Durations: `90s`, `15m`, `12h`, `1d`, `500ms`, or a number of milliseconds. */
export function duration(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value);
  if (!match) throw new InvalidArgumentError(`expected a duration like 90s, 15m, 12h or 1d, got "${value}"`);
  return Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms').toLowerCase()]!);
}

export function runsCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('runs')
    .description(
      'list the distributed runs kept in Redis (running, interrupted, failed, or kept with --keep); ' +
        'with --prune, remove the abandoned ones with their queued tasks',
    )
    .option('--redis <url>', `Redis URL, redis:// or rediss:// (default: $${REDIS_URL_ENV})`)
    .option('--json', 'one JSON object per run', false)
    .option(
      '--prune',
      'remove the runs with no sign of life for --older-than: their keys and their tasks still queued (a run whose coordinator was seen in the last minute is never removed)',
      false,
    )
    .option(
      '--older-than <duration>',
      `only the runs with no sign of life for this long: 90s, 15m, 12h, 1d (default with --prune: ${DEFAULT_PRUNE_AGE})`,
      duration,
    )
    .action(async (o: RunsCliOptions) => {
      const url = o.redis ?? io.env[REDIS_URL_ENV];
      if (url === undefined || url === '') {
        throw new InvalidOptionError(`runs needs --redis <url> or ${REDIS_URL_ENV}`);
      }
      const where = redactRedisUrl(url);
      // Loaded on demand: only the distributed commands load ioredis.
      if (o.prune) {
        const { pruneRuns } = await import('../../crawler/distributed/prune.js');
        const olderThanMs = o.olderThan ?? duration(DEFAULT_PRUNE_AGE);
        const pruned = await pruneRuns(parseRedisUrl(url), where, { olderThanMs });
        if (o.json) {
          for (const run of pruned) io.stdout.write(`${JSON.stringify(run)}\n`);
        } else if (pruned.length === 0) {
          io.stderr.write(`no runs to prune in ${where}\n`);
        } else {
          for (const run of pruned) {
            const fields = ['pruned', run.runId, run.state, `${run.jobs} queued tasks removed`];
            io.stdout.write(`${fields.map((field) => terminalText(String(field))).join('\t')}\n`);
          }
        }
        setExit(EXIT.OK);
        return;
      }
      const { listRuns } = await import('../../crawler/distributed/runs.js');
      const all = await listRuns(parseRedisUrl(url), where);
      const now = Date.now();
      const runs =
        o.olderThan === undefined
          ? all
          : all.filter(
              (run) =>
                now - Date.parse(run.updatedAt ?? run.openedAt ?? '') >= o.olderThan! || !run.updatedAt,
            );
      if (o.json) {
        for (const run of runs) io.stdout.write(`${JSON.stringify(run)}\n`);
      } else if (runs.length === 0) {
        io.stderr.write(`no runs in ${where}\n`);
      } else {
        io.stdout.write('run id\tstate\tfinished\tsent\tstarted\tlast seen\n');
        for (const run of runs) {
          const state = run.error ? `${run.state} (${run.error})` : run.state;
          // Every field but the counts is read from Redis, which anyone with access can write to.
          const fields = [
            run.runId,
            state,
            run.finished,
            run.sent,
            run.openedAt ?? '-',
            run.updatedAt ?? '-',
          ];
          io.stdout.write(`${fields.map((field) => terminalText(String(field))).join('\t')}\n`);
        }
      }
      setExit(EXIT.OK);
    });
}
