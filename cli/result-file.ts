import { readFile } from 'node:fs/promises';
import { InvalidOptionError } from '../crawler/errors.js';

/** Re-reads a stored result file (`report` and `compare`). */
export async function readResultFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidOptionError(
      `cannot read ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidOptionError(`${path}: not JSON`);
  }
}
