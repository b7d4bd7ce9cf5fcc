import { connect } from 'node:net';

/**
 * Whether anything accepts a TCP connection at host:port within `timeoutMs`: the reason when not (`ECONNREFUSED`,
 * `timeout`, ...), undefined when something listens. Asked before an embedded addBroker, whose gateway runs in this
 * process and so sees the same network: nothing listening is then reported at once, instead of a gateway retrying
 * for the whole wait and logging each refused attempt.
 */
export function unreachableReason(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | undefined): void => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
