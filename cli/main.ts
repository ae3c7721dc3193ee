#!/usr/bin/env node
import { processIo } from './io.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), processIo());
// Writes to pipes and files are synchronous on POSIX, so exiting now loses no output; it also
// ends a crawl whose stdin list is still open after an interrupt.
process.exit(code);
