import { Command, CommanderError } from 'commander';
import { CrawlbenchError } from '../crawler/errors.js';
import { redactCredentials } from '../crawler/redact.js';
import { VERSION } from '../crawler/version.js';
import { benchCommand } from './commands/bench.js';
import { compareCommand } from './commands/compare.js';
import { crawlCommand } from './commands/crawl.js';
import { reportCommand } from './commands/report.js';
import { runsCommand } from './commands/runs.js';
import { serveCommand } from './commands/serve.js';
import { workerCommand } from './commands/worker.js';
import { EXIT, EXIT_CODES_HELP, exitCodeOf } from './exit-codes.js';
import type { CliIo } from './io.js';
import { terminalLines, terminalText } from './terminal-text.js';

/** Builds the commander program; commands report their exit code through `setExit`. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('crawlbench')
    .description(
      'Crawl URL lists under serial, async, thread-pool and process-pool strategies (or distributed on ' +
        'Redis workers), and measure them.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  for (const command of [
    crawlCommand(io, setExit),
    benchCommand(io, setExit),
    reportCommand(io, setExit),
    compareCommand(io, setExit),
    serveCommand(io, setExit),
    workerCommand(io, setExit),
    runsCommand(io, setExit),
  ]) {
    // addCommand does not pass exitOverride and the output streams down; copy them explicitly.
    program.addCommand(command.copyInheritedSettings(program));
  }
  return program;
}

/** Runs the CLI with `argv` (user arguments only) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error it already printed.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (error instanceof CrawlbenchError) {
      // Messages quote list lines, URLs and option values: control characters are shown, not sent,
      // and a URL's password is hidden.
      io.stderr.write(`crawlbench: ${terminalText(redactCredentials(error.message))}\n`);
      return exitCodeOf(error.kind);
    }
    // Not swallowed: what nobody expected is a bug, and its stack is what a report of it needs.
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(`crawlbench: internal error: ${terminalLines(redactCredentials(detail))}\n`);
    return EXIT.INTERNAL;
  }
}
