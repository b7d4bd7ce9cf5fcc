/**
 * The HTTP endpoint of a process: `GET /metrics` (Prometheus text format), `GET /healthz` (the process answers:
 * liveness, for a restart policy) and `GET /readyz` (started and not stopping: readiness, for an orchestrator's
 * traffic and compose's `service_healthy`). Anything else is 404; only GET and HEAD.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from './registry.js';

export interface Readiness {
  /** Undefined when ready; otherwise why not (said in the 503 body). */
  notReady(): string | undefined;
}

export interface MetricsServerOptions {
  readonly registry: Registry;
  readonly readiness: Readiness;
  /** Address to listen on (127.0.0.1 by default; 0.0.0.0 in a container so Prometheus can scrape it). */
  readonly host?: string;
  /** 0 = any free port. */
  readonly port: number;
}

export interface MetricsServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, readiness } = options;
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      return;
    }
    if (path === '/readyz') {
      const why = readiness.notReady();
      res
        .writeHead(why === undefined ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(why === undefined ? { status: 'ready' } : { status: 'not ready', reason: why })}\n`);
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) =>
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics, /healthz, /readyz\n');
  });
  // Keep-alive scrapes must not hold stop() open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
