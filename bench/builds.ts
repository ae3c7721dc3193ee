/**
 * The builds a bench runs: this checkout's, and with `bench --against PATH` another one's. A build
 * is a crawlbench checkout, installed and built, whose `package.json` names its bench entries
 * (`crawlbench.benchEntries`): the cell runner and the queue worker. The harness (fixture sites,
 * load generator, rounds, statistics) is always this checkout's; each build's crawls run in its own
 * entries, so each build is measured with its own code. Every entry greets the harness with the run
 * protocol it speaks ({@link RUN_PROTOCOL_VERSION}); another version is refused.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CrawlbenchError } from '../crawler/errors.js';
import { type EntryHello, RUN_PROTOCOL_VERSION } from './run-protocol.js';

/** Which side of an A/B bench a build is; a plain bench has one build, `head`. */
export type BuildRole = 'base' | 'head';

export interface BenchBuild {
  readonly role: BuildRole;
  /** The checkout's directory (its git commit is the result's). */
  readonly dir: string;
  readonly cellRunner: URL;
  readonly queueWorker: URL;
}

/** Where this checkout's entries are: next to this module. */
export function thisBuild(dir: string): BenchBuild {
  return {
    role: 'head',
    dir,
    cellRunner: new URL('./run-process.js', import.meta.url),
    queueWorker: new URL('./queue-worker-process.js', import.meta.url),
  };
}

function refuse(dir: string, why: string): never {
  throw new CrawlbenchError('INCOMPATIBLE_BUILD', `cannot bench against ${JSON.stringify(dir)}: ${why}`);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads the build at `dir` (a crawlbench checkout, installed and built) as the base of an A/B
 * bench. Checks what can be checked without starting it: a `package.json` named crawlbench that
 * names its bench entries, and the entry files. The protocol is checked when the entries start.
 *
 * @throws {CrawlbenchError} `INCOMPATIBLE_BUILD`, with one line saying what is missing.
 */
export async function locateBuild(dir: string): Promise<BenchBuild> {
  const root = resolve(dir);
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'));
  } catch {
    refuse(dir, 'no readable package.json there (expected a crawlbench checkout)');
  }
  const m = manifest as { name?: unknown; crawlbench?: { benchEntries?: Record<string, unknown> } };
  if (m.name !== 'crawlbench')
    refuse(dir, `its package.json names ${JSON.stringify(m.name)}, not crawlbench`);
  const entries = m.crawlbench?.benchEntries;
  const cellRunner = entries?.cellRunner;
  const queueWorker = entries?.queueWorker;
  if (typeof cellRunner !== 'string' || typeof queueWorker !== 'string') {
    refuse(
      dir,
      `its package.json has no crawlbench.benchEntries: a crawlbench older than run protocol ${RUN_PROTOCOL_VERSION}`,
    );
  }
  for (const entry of [cellRunner, queueWorker]) {
    if (!(await isFile(resolve(root, entry)))) {
      refuse(dir, `${entry} is missing: install and build it first (npm ci && npm run build)`);
    }
  }
  return {
    role: 'base',
    dir: root,
    cellRunner: pathToFileURL(resolve(root, cellRunner)),
    queueWorker: pathToFileURL(resolve(root, queueWorker)),
  };
}

/** How long an entry may take to start and greet: a cold Node start on a loaded 2-core machine. */
const HELLO_TIMEOUT_MS = 30_000;

function isHello(message: unknown): message is EntryHello {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'hello';
}

/**
 * Waits for the hello of a bench entry just forked from `build` and checks its protocol. Call it
 * right after the fork: the hello is the entry's first message.
 *
 * @throws {CrawlbenchError} `INCOMPATIBLE_BUILD` when the entry greets with another protocol, or
 *   exits or says something else first; `HARNESS_FAILED` when it does not greet in time.
 */
export function awaitHello(child: ChildProcess, build: BenchBuild, what: string): Promise<EntryHello> {
  return new Promise((resolvePromise, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: unknown): void => {
      done();
      if (!isHello(message)) {
        reject(
          new CrawlbenchError(
            'INCOMPATIBLE_BUILD',
            `the ${what} of ${build.dir} did not greet with its run protocol (a crawlbench older than protocol ${RUN_PROTOCOL_VERSION}?)`,
          ),
        );
      } else if (message.protocol !== RUN_PROTOCOL_VERSION) {
        reject(
          new CrawlbenchError(
            'INCOMPATIBLE_BUILD',
            `the ${what} of ${build.dir} (crawlbench ${String(message.crawlbenchVersion)}) speaks run protocol ` +
              `${String(message.protocol)}, this crawlbench speaks ${RUN_PROTOCOL_VERSION}: bench them with one side's harness only`,
          ),
        );
      } else resolvePromise(message);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      reject(
        new CrawlbenchError(
          'INCOMPATIBLE_BUILD',
          `the ${what} of ${build.dir} exited (${signal ?? `code ${code}`}) before greeting: is it installed and built?`,
        ),
      );
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new CrawlbenchError(
          'HARNESS_FAILED',
          `the ${what} of ${build.dir} did not start within ${HELLO_TIMEOUT_MS / 1000} s`,
        ),
      );
    }, HELLO_TIMEOUT_MS);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
