import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

/**
 * undici's keep-alive Agent and its `request()` API, loaded from the two modules that provide them.
 *
 * undici's entry point (`index.js`) also loads fetch, WebSocket, EventSource, the HTTP caches, the
 * mock agents and the proxy agents: about 65 ms of a one-URL crawl's 0.3 s start-up (measured with
 * hyperfine, see README "Start-up"), none of which a crawl uses. These are the very modules
 * `import { Agent } from 'undici'` resolves to, and the prototype assignment is the one the entry
 * point makes itself (`Object.assign(Dispatcher.prototype, api)`), so the objects are the same.
 * undici has no `exports` map, so these paths are reachable; package-lock.json pins the version,
 * and every fetch test goes through them.
 */
const AgentClass = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
const DispatcherClass = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
const api = require('undici/lib/api/index.js') as Pick<Dispatcher, 'request' | 'stream' | 'pipeline'>;
if (!('request' in DispatcherClass.prototype)) Object.assign(DispatcherClass.prototype, api);

export const Agent: typeof UndiciAgent = AgentClass;
export type { Dispatcher };
