/** Resolves true once a broker session is ready, false when `timeoutMs` passes first (start-up goes on either way). */
export interface ReadyNotifier {
  readonly isReady: boolean;
  on(listener: { ready?(kind: 'first' | 'reconnect'): void }): () => void;
}

export function waitForBroker(conn: ReadyNotifier, timeoutMs: number): Promise<boolean> {
  if (conn.isReady) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(false);
    }, timeoutMs);
    const off = conn.on({
      ready: () => {
        clearTimeout(timer);
        off();
        resolve(true);
      },
    });
  });
}
