import type { TimelineEntry } from './options.js';
import type { Task, TaskResult } from './types.js';

/**
 * Turns the traces of a crawl's results into its timeline: when each page was handed to the
 * strategy (stamped as the runner pulls its task) and where it ran, lanes numbered in the order
 * their (worker, slot) first ran a page.
 */
export class TimelineKeeper {
  readonly #emit: (entry: TimelineEntry) => void;
  readonly #handedAt = new Map<number, number>();
  readonly #lanes = new Map<string, number>();

  constructor(emit: (entry: TimelineEntry) => void) {
    this.#emit = emit;
  }

  /** The tasks, each stamped with the time the runner pulled it. */
  async *stamp(tasks: AsyncIterable<Task>): AsyncGenerator<Task> {
    for await (const task of tasks) {
      this.#handedAt.set(task.line, performance.timeOrigin + performance.now());
      yield task;
    }
  }

  finished(result: TaskResult): void {
    const line = result.record.line;
    const handedAt = this.#handedAt.get(line);
    this.#handedAt.delete(line);
    const trace = result.trace;
    if (trace === undefined || handedAt === undefined) return;
    const key = `${trace.worker}:${trace.slot}`;
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = this.#lanes.size;
      this.#lanes.set(key, lane);
    }
    this.#emit({
      line,
      lane,
      handedAt,
      startedAt: trace.startedAt,
      firstByteAt: trace.firstByteAt,
      fetchedAt: trace.fetchedAt,
      finishedAt: trace.finishedAt,
      failed: result.record.error !== null,
    });
  }
}
