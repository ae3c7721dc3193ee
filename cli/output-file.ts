/**
 * Writing the CLI's output files: a file that cannot be written (a full disk, a read-only path, a
 * directory in the way) is one line and exit 3 (`OUTPUT_UNWRITABLE`), never a stack.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { CrawlbenchError } from '../crawler/errors.js';

function unwritable(error: unknown, what: string, path: string): CrawlbenchError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new CrawlbenchError('OUTPUT_UNWRITABLE', `cannot write ${what} ${JSON.stringify(path)}: ${code}`);
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
