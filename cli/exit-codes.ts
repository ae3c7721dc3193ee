/** The documented exit codes of the crawlbench CLI. */
export const EXIT = {
  /** The command ran to its end (failed pages are data, not a crash). */
  OK: 0,
  /** `--strict` and some URL failed; `compare` found a regression. */
  FAILURE: 1,
  /** Usage error: bad option, unreadable list, unusable input. */
  USAGE: 2,
  /** Interrupted by SIGINT (Ctrl-C). */
  INTERRUPTED: 130,
} as const;
