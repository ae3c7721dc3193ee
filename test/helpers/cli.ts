import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly result: Promise<CliResult>;
  /** What stdout has received so far. */
  stdout(): string;
  /** What stderr has received so far. */
  stderr(): string;
  /** Resolves once stdout has at least `n` complete lines. */
  linesAtLeast(n: number): Promise<void>;
}

/** Spawns the built CLI with NO_COLOR=1; bounded by `timeoutMs` (SIGKILL after it). */
export function startCli(
  args: readonly string[],
  options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split('\n').length - 1;
    for (const w of waiters.splice(0)) {
      if (lines >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => {});
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    result,
    stdout: () => stdout,
    stderr: () => stderr,
    linesAtLeast: (n) =>
      new Promise((resolve) => {
        if (stdout.split('\n').length - 1 >= n) resolve();
        else waiters.push({ n, resolve });
      }),
  };
}

export function runCli(
  args: readonly string[],
  options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return startCli(args, options).result;
}

/**
 * `crawlbench bench ARGS -q --format json` through the built CLI: its parsed JSON result. Throws
 * with the exit code and stderr when the bench does not exit 0. Typed by the caller (the helper
 * stays free of the dist types).
 */
export async function runBenchJson<T>(args: readonly string[], timeoutMs = 120_000): Promise<T> {
  const r = await runCli(['bench', ...args, '-q', '--format', 'json'], { timeoutMs });
  if (r.code !== 0) throw new Error(`bench exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
