import type { ErrorKind } from '../crawler/errors.js';

/** The documented exit codes of the crawlbench CLI (README "Exit codes", and `--help`). */
export const EXIT = {
  /** The command ran to its end (failed pages are data, not a crash). */
  OK: 0,
  /** `--strict` and some URL failed (or link broke); `compare` or `bench --against` found a regression beyond the threshold and the noise. */
  FAILURE: 1,
  /** Usage error: a bad option or argument, an input that is not what it should be. */
  USAGE: 2,
  /**
   * The environment failed: Redis unreachable or gone, a list that cannot be read, an output that
   * cannot be written (a full disk), workers or helper processes that would not start.
   */
  ENVIRONMENT: 3,
  /** A bug: an error crawlbench did not expect (its stack is printed). EX_SOFTWARE of sysexits.h. */
  INTERNAL: 70,
  /** Stopped by SIGHUP (the terminal closed): 128 + 1. */
  HANGUP: 129,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2. */
  INTERRUPTED: 130,
  /** Records were going to a pipe whose reader went away (EPIPE, as `| head`): 128 + 13, like SIGPIPE. */
  BROKEN_PIPE: 141,
  /** Stopped by SIGTERM (`kill`, `docker stop`, `timeout`, a cancelled CI job): 128 + 15. */
  TERMINATED: 143,
} as const;

/** The exit code of a command stopped by `signal`. */
export function exitCodeOfSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP'): number {
  return signal === 'SIGINT' ? EXIT.INTERRUPTED : signal === 'SIGTERM' ? EXIT.TERMINATED : EXIT.HANGUP;
}

/** The exit code of a known error, by its kind. */
export function exitCodeOf(kind: ErrorKind): number {
  switch (kind) {
    case 'usage':
      return EXIT.USAGE;
    case 'environment':
      return EXIT.ENVIRONMENT;
    case 'page':
      // Page codes belong in records; one thrown is a bug.
      return EXIT.INTERNAL;
  }
}

/** The exit-code table, as `--help` prints it. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    ran to the end (failed pages are records, not a failure)',
  '  1    --strict and some URL failed or link broken; compare or bench --against found a regression',
  '  2    usage error: bad option, argument or input',
  '  3    the environment failed: Redis unreachable, list unreadable, output unwritable (disk full)',
  '  70   internal error (a bug; the stack is printed)',
  '  129  stopped by SIGHUP (the terminal closed)',
  '  130  interrupted (SIGINT, Ctrl-C)',
  '  141  the pipe records went to was closed (EPIPE, as with | head)',
  '  143  stopped by SIGTERM (kill, docker stop, timeout, CI cancel)',
].join('\n');
