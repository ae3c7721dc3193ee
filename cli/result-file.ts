import { readFile } from 'node:fs/promises';
import { CrawlbenchError } from '../crawler/errors.js';

/** Re-reads a stored result file (`report` and `compare`). */
export async function readResultFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CrawlbenchError('LIST_UNREADABLE', `cannot read ${JSON.stringify(path)}: ${code}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CrawlbenchError('INVALID_RESULT', `${path}: not JSON`);
  }
}
