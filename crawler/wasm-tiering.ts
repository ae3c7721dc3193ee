/**
 * The V8 flag the CLI sets at start (`cli/main.ts`).
 *
 * undici parses HTTP with llhttp, compiled to WebAssembly. V8 compiles it with its baseline
 * compiler (Liftoff) and re-compiles a function with its optimising one (TurboFan) once it has run
 * for a budget. llhttp's state machine is one large function that reaches V8's default budget
 * within the first response and takes about 125 ms to optimise on a background thread; a process
 * that exits meanwhile waits for that thread, so a one-URL crawl spent a third of its wall time
 * after `process.exit()` (measured: 115-145 ms from `process.reallyExit` to the end of the process,
 * 5-9 ms with a budget ten times the default). Ten times the budget still optimises llhttp within
 * the first hundred pages of a crawl (`--trace-wasm-compilation-times` shows it), so longer runs
 * parse with the optimised code as before; a 3000-page fetch-only crawl is as fast either way.
 * The budget is read when a module is instantiated, so it must be set before undici's first
 * connection. See README "Start-up".
 */
export const WASM_TIERING_FLAG = `--wasm-tiering-budget=${10 * 1_800_000}`; // V8's default: 1_800_000
