import { Command, Option } from 'commander';
import { REPORT_FORMATS } from '../../reports/formats.js';
import type { ReportFormat } from '../../reports/reporter.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { readResultFile } from '../result-file.js';

export function reportCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('report')
    .description('re-render a stored bench result (result.json)')
    .argument('<result>', 'a result.json written by `crawlbench bench --out` or `--format json`')
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('md'))
    .action(async (path: string, o: { format: ReportFormat }) => {
      // Loaded on demand: the renderers are not needed to parse the command line of any command.
      const [{ parseBenchResult }, { REPORTERS }] = await Promise.all([
        import('../../reports/compare.js'),
        import('../../reports/registry.js'),
      ]);
      const result = parseBenchResult(await readResultFile(path), path);
      // Waits until the text is handed to the OS: main.ts exits right after, and a pipe takes
      // only 64 KiB at once (an HTML report is several times that).
      const text = REPORTERS[o.format].render(result);
      await new Promise<void>((resolve, reject) => io.stdout.write(text, (e) => (e ? reject(e) : resolve())));
      setExit(EXIT.OK);
    });
}
