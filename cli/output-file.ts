/**
 * Writing the CLI's output files: a file that cannot be written (a full disk, a read-only path, a
 * directory in the way) is one line and exit 3 (`OUTPUT_UNWRITABLE`), never a stack.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { CrawlbenchError } from '../crawler/errors.js';

/** `cannot write report "out/report.html": ENOSPC`: what failed, where, and the errno. */
export function unwritable(error: unknown, what: string, path: string, verb = 'write'): CrawlbenchError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new CrawlbenchError('OUTPUT_UNWRITABLE', `cannot ${verb} ${what} ${JSON.stringify(path)}: ${code}`);
}

/** Creates the directory outputs go to (`--out`), parents included. */
export async function makeOutputDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw unwritable(error, 'output directory', dir, 'create');
  }
}

/** Writes `text` to `path`, replacing it; `what` names it in the error ("report", "result"). */
export async function writeOutputFile(path: string, text: string, what: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw unwritable(error, what, path);
  }
}

/** Appends `text` to `path` in one write (a CI job summary other steps also append to). */
export async function appendOutputFile(path: string, text: string, what: string): Promise<void> {
  try {
    await appendFile(path, text);
  } catch (error) {
    throw unwritable(error, what, path);
  }
}
