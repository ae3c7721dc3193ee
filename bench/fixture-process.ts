// Entry of the fixture site's own process (see fixture-site-process.ts): a benchmark charges the site's CPU
// to this process, not to the crawler it measures. It talks to its parent only through typed messages.
import type { FixtureSite } from './fixture-site.js';
import { startFixtureSite } from './fixture-site.js';
import type { FixtureChildMessage, FixtureParentMessage } from './fixture-site-process.js';
import { becomeChild, sendToParent } from '../crawler/child-process.js';

// Signals are the parent's to act on, and this process never outlives it (see becomeChild).
becomeChild();

let site: FixtureSite | undefined;
let stopping = false;

function send(message: FixtureChildMessage): void {
  sendToParent(message);
}

/** Closing the site and the IPC channel leaves nothing to keep the event loop alive: the process exits. */
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await site?.close();
  if (process.connected) process.disconnect();
}

process.on('message', (message: FixtureParentMessage) => {
  switch (message.type) {
    case 'start':
      startFixtureSite(message.options).then(
        (started) => {
          site = started;
          // The parent may have gone away while the server was starting.
          if (stopping) void started.close();
          else send({ type: 'ready', url: started.url });
        },
        (error: unknown) => {
          const { code, message: text } = error as { code?: unknown; message?: unknown };
          send({
            type: 'error',
            code: typeof code === 'string' ? code : 'UNKNOWN',
            message: String(text ?? error),
          });
          void stop();
        },
      );
      break;
    case 'stats':
      send({
        type: 'stats',
        stats: site?.stats() ?? { requests: 0, inFlight: 0, peakInFlight: 0, serviceMs: 0, answered: 0 },
        cpu: process.cpuUsage(),
        maxRssKb: process.resourceUsage().maxRSS,
      });
      break;
    case 'stop':
      void stop();
      break;
  }
});

// The parent exited or crashed: never outlive it.
process.on('disconnect', () => {
  void stop();
});
