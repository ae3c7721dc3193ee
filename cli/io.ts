import type { Readable, Writable } from 'node:stream';

/** A terminal-ish output stream: a Writable that may be a TTY. */
export type OutputStream = Writable & { readonly isTTY?: boolean; readonly columns?: number };

/**
 * Everything the CLI touches outside itself, injected so commands can run in tests and so
 * nothing below cli/ reaches for process globals.
 */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Registers a handler of the stop signals (SIGINT, SIGTERM, SIGHUP); returns a function that
   * removes it. While one is registered, those signals do not end the process: the command does.
   */
  onSignal(handler: (signal: StopSignal) => void): () => void;
}

/** The signals that ask crawlbench to stop: Ctrl-C, `kill`/`docker stop`/`timeout(1)`/CI cancel, a closed terminal. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onSignal(handler) {
      for (const signal of STOP_SIGNALS) process.on(signal, handler);
      return () => {
        for (const signal of STOP_SIGNALS) process.off(signal, handler);
      };
    },
  };
}

/** Whether to colour output on `stream`: a TTY, NO_COLOR unset, TERM not dumb. */
export function colorEnabled(io: CliIo, stream: OutputStream): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && io.env.TERM !== 'dumb';
}
