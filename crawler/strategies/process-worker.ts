// Entry file of the process pool's children: an `init`, then tasks over IPC (up to the pool's
// per-worker count at once), each abortable by message.
import { loadExtractor } from '../extract/load-extract.js';
import type { FromChild, ToChild } from './process-protocol.js';
import type { WorkerOutcome } from './worker-outcome.js';
import { createTaskRunner } from './worker-task.js';
import { becomeChild, sendToParent } from '../child-process.js';

// Signals are the parent's to act on, and this process never outlives it (see becomeChild).
becomeChild();

type Runner = ReturnType<typeof createTaskRunner>;
let runner: Runner | undefined;
let hybrid = false;
/** The tasks running, by job id, each with its own abort. */
const running = new Map<number, AbortController>();

function send(message: FromChild): void {
  sendToParent(message);
}

// Never outlive the parent: when the IPC channel closes, leave.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToChild) => {
  if (message.type === 'init') {
    const { init } = message;
    // A child handed several tasks at once (its fetches limited to fetchSlots) is a hybrid one.
    hybrid = init.fetchSlots !== undefined;
    // A module that does not load here (deleted since the crawl checked it) ends this child: the
    // pool sees it fail to start and records its tasks, rather than running them without it.
    const extract = init.parseIn === 'worker' ? init.config.extract : undefined;
    void (extract ? loadExtractor(extract) : Promise.resolve(null)).then(
      (extractor) => {
        runner = createTaskRunner(init, extractor);
        send({ type: 'ready' });
      },
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
      },
    );
    return;
  }
  if (message.type === 'usage') {
    const usage = process.resourceUsage();
    send({
      type: 'usage',
      usage: {
        pid: process.pid,
        userCpuMs: usage.userCPUTime / 1000,
        systemCpuMs: usage.systemCPUTime / 1000,
        maxRssBytes: usage.maxRSS * 1024,
      },
    });
    return;
  }
  if (message.type === 'abort') {
    running.get(message.id)?.abort();
    return;
  }
  if (!runner) throw new Error('task before init');
  const { id } = message;
  const controller = new AbortController();
  running.set(id, controller);
  // Only where a child runs several tasks does the pool need to know which one is computing.
  const busy = hybrid ? (state: boolean): void => send({ type: 'busy', id, busy: state }) : undefined;
  runner(message.task, controller.signal, busy).then(
    (outcome: WorkerOutcome) => {
      running.delete(id);
      send({ type: 'result', id, outcome });
    },
    (error: unknown) => {
      // The runner never rejects; if it does, dying lets the pool record the task, not lose it.
      console.error(error);
      process.exit(1);
    },
  );
});
