import { Command } from 'commander';
import { startFixtureSite } from '../../bench/fixture-site.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { fraction, nonNegativeInt, positiveInt } from '../parsers.js';

interface ServeCliOptions {
  pages: number;
  latency: number;
  jitter: number;
  pageKb: number;
  links: number;
  errorRate: number;
  seed: number;
  host: string;
  port: number;
}

export function serveCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('serve')
    .description(
      'serve the deterministic fixture site on loopback until Ctrl-C; prints its base URL ' +
        '(its URL list is at <base>/urls.txt)',
    )
    .option('--pages <n>', 'number of pages', positiveInt, 200)
    .option('--latency <ms>', 'delay before each response', nonNegativeInt, 0)
    .option('--jitter <ms>', 'extra delay in [0, jitter], deterministic per page', nonNegativeInt, 0)
    .option('--page-kb <k>', 'approximate page size in KiB', positiveInt, 10)
    .option('--links <l>', 'links from each page to other pages of the site', nonNegativeInt, 10)
    .option('--error-rate <p>', 'fraction of pages answering 500, chosen by the seed', fraction, 0)
    .option('--seed <s>', 'seed of the site content', nonNegativeInt, 1)
    .option('--host <addr>', 'loopback address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', nonNegativeInt, 0)
    .action(async (o: ServeCliOptions) => {
      const site = await startFixtureSite({
        pages: o.pages,
        latencyMs: o.latency,
        jitterMs: o.jitter,
        pageKb: o.pageKb,
        links: o.links,
        errorRate: o.errorRate,
        seed: o.seed,
        host: o.host,
        port: o.port,
      });
      io.stdout.write(`${site.url}\n`);
      io.stderr.write(`serving ${o.pages} pages; URL list at ${site.url}/urls.txt; Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const remove = io.onInterrupt(() => {
          remove();
          resolve();
        });
      });
      await site.close();
      setExit(EXIT.OK);
    });
}
