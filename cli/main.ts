#!/usr/bin/env node
import type { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { WASM_TIERING_FLAG } from '../crawler/wasm-tiering.js';
import { processIo } from './io.js';
import { runCli } from './program.js';

// Set before anything connects: see WASM_TIERING_FLAG.
setFlagsFromString(WASM_TIERING_FLAG);

/**
 * Resolves once what was written to `stream` has been handed to the OS. stdout is asynchronous
 * when it is a pipe, so exiting at once could cut the output short (it did, at 64 KiB, with
 * `report --format html | cat`); a stream that failed (EPIPE) or closed has nothing left to wait for.
 */
function flushed(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

const code = await runCli(process.argv.slice(2), processIo());
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Exiting, rather than letting the event loop run dry, also ends a crawl whose stdin list is still
// open after a stop.
process.exit(code);
