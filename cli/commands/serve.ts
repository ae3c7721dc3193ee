import { Command } from 'commander';
import { DEFAULT_FIXTURE_SITE_OPTIONS, type FixtureSiteOptions } from '../../bench/fixture-site-options.js';
import { EXIT } from '../exit-codes.js';
import { withDefault } from '../help.js';
import type { CliIo } from '../io.js';
import { fraction, nonNegativeInt, positiveInt } from '../parsers.js';

interface ServeCliOptions {
  pages?: number;
  latency?: number;
  jitter?: number;
  pageKb?: number;
  links?: number;
  errorRate?: number;
  seed?: number;
  host?: string;
  port?: number;
}

const D = DEFAULT_FIXTURE_SITE_OPTIONS;

export function serveCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('serve')
    .description(
      'serve the deterministic fixture site on loopback until Ctrl-C; prints its base URL ' +
        '(its URL list is at <base>/urls.txt)',
    )
    .option('--pages <n>', withDefault('number of pages', D.pages), positiveInt)
    .option('--latency <ms>', withDefault('delay before each response', D.latencyMs), nonNegativeInt)
    .option(
      '--jitter <ms>',
      withDefault('extra delay in [0, jitter], deterministic per page', D.jitterMs),
      nonNegativeInt,
    )
    .option('--page-kb <k>', withDefault('approximate page size in KiB', D.pageKb), positiveInt)
    .option(
      '--links <l>',
      withDefault('links from each page to other pages of the site', D.links),
      nonNegativeInt,
    )
    .option(
      '--error-rate <p>',
      withDefault('fraction of pages answering 500, chosen by the seed', D.errorRate),
      fraction,
    )
    .option('--seed <s>', withDefault('seed of the site content', D.seed), nonNegativeInt)
    .option('--host <addr>', withDefault('loopback address to bind', D.host))
    .option('--port <port>', withDefault('port (0: any free port)', D.port), nonNegativeInt)
    .action(async (o: ServeCliOptions) => {
      const options: FixtureSiteOptions = Object.fromEntries(
        Object.entries({
          pages: o.pages,
          latencyMs: o.latency,
          jitterMs: o.jitter,
          pageKb: o.pageKb,
          links: o.links,
          errorRate: o.errorRate,
          seed: o.seed,
          host: o.host,
          port: o.port,
        }).filter(([, value]) => value !== undefined),
      );
      const { startFixtureSite } = await import('../../bench/fixture-site.js');
      const site = await startFixtureSite(options);
      io.stdout.write(`${site.url}\n`);
      io.stderr.write(
        `serving ${site.options.pages} pages; URL list at ${site.url}/urls.txt; Ctrl-C to stop\n`,
      );
      await new Promise<void>((resolve) => {
        const remove = io.onSignal(() => {
          remove();
          resolve();
        });
      });
      await site.close();
      setExit(EXIT.OK);
    });
}
