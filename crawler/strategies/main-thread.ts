import { createDispatcher } from '../fetch.js';

export type MainDispatcher = ReturnType<typeof createDispatcher>;

/** Runs `body` with a keep-alive dispatcher sized for `connections`, closed afterwards. */
export async function withDispatcher<T>(
  connections: number,
  body: (dispatcher: MainDispatcher) => Promise<T>,
): Promise<T> {
  const dispatcher = createDispatcher({ connections });
  try {
    return await body(dispatcher);
  } finally {
    await dispatcher.close();
  }
}
