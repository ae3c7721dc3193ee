import { Command } from 'commander';
import { parseRedisUrl, REDIS_URL_ENV, redactRedisUrl } from '../../crawler/distributed/redis-url.js';
import { InvalidOptionError } from '../../crawler/errors.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { terminalText } from '../terminal-text.js';

interface RunsCliOptions {
  redis?: string;
  json: boolean;
}

export function runsCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('runs')
    .description(
      'list the distributed runs kept in Redis (running, interrupted, failed, or kept with --keep)',
    )
    .option('--redis <url>', `Redis URL, redis:// or rediss:// (default: $${REDIS_URL_ENV})`)
    .option('--json', 'one JSON object per run', false)
    .action(async (o: RunsCliOptions) => {
      const url = o.redis ?? io.env[REDIS_URL_ENV];
      if (url === undefined || url === '') {
        throw new InvalidOptionError(`runs needs --redis <url> or ${REDIS_URL_ENV}`);
      }
      // Loaded on demand: only the distributed commands load ioredis.
      const { listRuns } = await import('../../crawler/distributed/runs.js');
      const runs = await listRuns(parseRedisUrl(url), redactRedisUrl(url));
      if (o.json) {
        for (const run of runs) io.stdout.write(`${JSON.stringify(run)}\n`);
      } else if (runs.length === 0) {
        io.stderr.write(`no runs in ${redactRedisUrl(url)}\n`);
      } else {
        io.stdout.write('run id\tstate\tfinished\tsent\tstarted\n');
        for (const run of runs) {
          const state = run.error ? `${run.state} (${run.error})` : run.state;
          // Every field but the counts is read from Redis, which anyone with access can write to.
          const fields = [run.runId, state, run.finished, run.sent, run.openedAt ?? '-'];
          io.stdout.write(`${fields.map((field) => terminalText(String(field))).join('\t')}\n`);
        }
      }
      setExit(EXIT.OK);
    });
}
