/**
 * Node flags of the processes that crawl for a bench cell: its cell runner and its queue workers,
 * with either build's code. Their pools' worker threads share the flags of their process, and
 * their pools' child processes inherit them.
 *
 * V8's memory reducer is off. It starts collecting garbage in a process that has allocated little
 * for about 8 s, and shrinks its heap. No crawl idles like that, but every bench cell does: it waits
 * for its turn while the other cells run, 6-10 s a round in a default bench. Depending on where the
 * reducer's timer fell in that wait, a run found its process as it had left it or shrunk (its next
 * run grew the heap again and re-optimized code). In eight default benches with the reducer on, a
 * cpu pool's CPU time varied by up to 1.46x from run to run for the same pages, and cpu/threads'
 * wall-time CV was 4-20% (median 14%); in fourteen with it off, up to 1.14x and 4-11% (median 6%)
 * (README "Performance").
 */
export const CRAWLER_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];

/** Why the bench gives a flag, in words for the reports (keyed by the flag as results record it). */
export const CRAWLER_FLAG_REASONS: Readonly<Record<string, string>> = {
  '--no-memory-reducer':
    "V8's memory reducer is off, since a cell waits seconds for its turn between its runs, as no crawl does, and the reducer's collections in that wait made some runs dearer than others at random",
};

/** The `execArgv` of a crawler process: this process's own flags (as `fork` passes them), then ours. */
export function crawlerExecArgv(): string[] {
  return [...process.execArgv, ...CRAWLER_NODE_FLAGS];
}
