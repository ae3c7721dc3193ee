import type { CellResult, QueueCost, RunSample } from './result.js';
import { computeStats } from './stats.js';

type QueueSample = RunSample & { readonly queue: NonNullable<RunSample['queue']> };

/**
 * What the queue's side of each distributed cell costs per task (the coordinator, the local
 * workers, Redis) from its measured runs, and the tasks per second one coordinator core would
 * sustain at that cost: the ceiling of a run however many worker machines join it.
 */
export function queueCosts(cells: readonly CellResult[]): QueueCost[] {
  return cells.flatMap((cell): QueueCost[] => {
    if (cell.strategy !== 'distributed') return [];
    const runs = cell.samples.filter(
      (s): s is QueueSample => !s.warmup && s.queue !== undefined && s.records > 0,
    );
    if (runs.length === 0) return [];
    const over = (value: (s: QueueSample) => number) => computeStats(runs.map(value));
    const coordinatorMsPerTask = over((s) => s.queue.coordinatorCpuMs / s.records);
    const withRedis = runs.every((s) => s.queue.redisCpuMs !== null);
    return [
      {
        mode: cell.mode,
        cellId: cell.id,
        workers: cell.queueWorkers ?? cell.concurrency,
        slots: cell.concurrency,
        coordinatorMsPerTask,
        tasksPerCoordinatorCore: coordinatorMsPerTask.median > 0 ? 1000 / coordinatorMsPerTask.median : 0,
        coordinatorCores: over((s) => (s.wallMs > 0 ? s.queue.coordinatorCpuMs / s.wallMs : 0)),
        coordinatorShare: over((s) => {
          const total = s.queue.coordinatorCpuMs + s.queue.workersCpuMs + (s.queue.redisCpuMs ?? 0);
          return total > 0 ? s.queue.coordinatorCpuMs / total : 0;
        }),
        workersMsPerTask: over((s) => s.queue.workersCpuMs / s.records),
        redisMsPerTask: withRedis ? over((s) => s.queue.redisCpuMs! / s.records) : null,
      },
    ];
  });
}
