import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type CacheEntry, entryOf } from './cache-entry.js';
import type { CacheStore } from './link-cache.js';

/** The first line of a cache file names its format and version. */
const FORMAT = 'crawlbench-link-cache';
const VERSION = 1;
/** A file larger than this is not read (it is no cache of ours); one written stops short of it. */
export const MAX_CACHE_FILE_BYTES = 64 * 1024 * 1024;

interface Header {
  readonly format: string;
  readonly version: number;
  readonly entries: number;
  readonly sha256: string;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function isHeader(value: unknown): value is Header {
  const v = value as Partial<Header> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.format === FORMAT &&
    typeof v.version === 'number' &&
    Number.isSafeInteger(v.entries) &&
    typeof v.sha256 === 'string'
  );
}

/**
 * The results cache in a file: a header line (format, version, entry count, SHA-256 of the rest),
 * then one JSON entry per line. It is written whole to a new file in the same directory, flushed
 * to disk, and renamed over the old one, so a crash leaves the old file or the new one, never a
 * torn one; a file that was cut or changed anyway fails its checksum, is reported, and the run
 * starts with an empty cache.
 */
export function fileStore(path: string): CacheStore {
  return {
    where: path,
    async load() {
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // No file yet: a first run, nothing to report.
        if (code === 'ENOENT') return { entries: [], problems: [] };
        return {
          entries: [],
          problems: [`cache ${path} cannot be read (${code ?? String(error)}); ignored`],
        };
      }
      if (size > MAX_CACHE_FILE_BYTES) {
        return {
          entries: [],
          problems: [`cache ${path} is larger than ${MAX_CACHE_FILE_BYTES} bytes; ignored`],
        };
      }
      let data: Buffer;
      try {
        data = await readFile(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        return { entries: [], problems: [`cache ${path} cannot be read (${code}); ignored`] };
      }
      return parseCacheFile(path, data);
    },
    async save(all) {
      const lines: string[] = [];
      let bytes = 0;
      for (const entry of all) {
        const line = `${JSON.stringify(entry)}\n`;
        bytes += Buffer.byteLength(line);
        if (bytes > MAX_CACHE_FILE_BYTES - 1024) break;
        lines.push(line);
      }
      const body = lines.join('');
      const header: Header = {
        format: FORMAT,
        version: VERSION,
        entries: lines.length,
        sha256: sha256(body),
      };
      const temporary = join(
        dirname(path),
        `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
      );
      try {
        await mkdir(dirname(path), { recursive: true });
        const handle = await open(temporary, 'wx');
        try {
          await handle.writeFile(`${JSON.stringify(header)}\n${body}`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, path);
        return { stored: lines.length, problems: [] };
      } catch (error) {
        await unlink(temporary).catch(() => {});
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        return { stored: 0, problems: [`cache ${path} could not be saved (${code})`] };
      }
    },
  };
}

/** The entries of a cache file's bytes, or why there are none. */
export function parseCacheFile(
  path: string,
  data: Buffer,
): { readonly entries: CacheEntry[]; readonly problems: string[] } {
  const corrupt = (why: string): { entries: CacheEntry[]; problems: string[] } => ({
    entries: [],
    problems: [`cache ${path} is corrupt (${why}); ignored, and replaced at the end of this run`],
  });
  const newline = data.indexOf(0x0a);
  if (newline === -1) return corrupt('no header line');
  let header: unknown;
  try {
    header = JSON.parse(data.subarray(0, newline).toString('utf8'));
  } catch {
    return corrupt('the header line is not JSON');
  }
  if (!isHeader(header)) return corrupt('not a crawlbench link cache');
  if (header.version !== VERSION) return corrupt(`version ${header.version}, expected ${VERSION}`);
  const body = data.subarray(newline + 1);
  if (sha256(body) !== header.sha256) return corrupt('checksum mismatch: the file was cut short or changed');
  const lines = body.toString('utf8').split('\n');
  if (lines.pop() !== '' || lines.length !== header.entries) return corrupt('entry count mismatch');
  const entries: CacheEntry[] = [];
  let invalid = 0;
  for (const line of lines) {
    let entry: CacheEntry | null = null;
    try {
      entry = entryOf(JSON.parse(line));
    } catch {
      // Counted below.
    }
    if (entry === null) invalid++;
    else entries.push(entry);
  }
  const problems = invalid === 0 ? [] : [`cache ${path}: ${invalid} entries are not valid; ignored`];
  return { entries, problems };
}
