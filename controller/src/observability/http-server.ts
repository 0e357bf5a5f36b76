/** The metrics server (`/metrics`) and the health probe server (`/healthz`, `/readyz`). */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Metrics } from './metrics';

export interface ProbeServerOptions {
  readonly port: number;
  /** @default 0.0.0.0 */
  readonly host?: string;
  /** Liveness: the process is responsive. */
  readonly healthy: () => boolean;
  /** Readiness: informers synced (a replica that is not the leader is still ready). */
  readonly ready: () => boolean;
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number, host: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>(done => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

export function startMetricsServer(metrics: Metrics, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(body => {
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(body);
    }, (e: unknown) => {
      res.writeHead(500).end(`${e instanceof Error ? e.message : String(e)}\n`);
    });
  });
  return listen(server, port, host);
}

export function startProbeServer(opts: ProbeServerOptions): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const check = path === '/healthz' ? opts.healthy : path === '/readyz' ? opts.ready : undefined;
    if (!check) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const ok = check();
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
  return listen(server, opts.port, opts.host ?? '0.0.0.0');
}
