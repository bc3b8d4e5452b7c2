/**
 * DynamoDB for the sandbox: dynalite (in memory) on its own loopback port, with requests proxied to it
 * byte-for-byte so the sandbox's one endpoint serves DynamoDB too.
 */
import dynalite from 'dynalite';
import { request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DynamoBackend {
  port: number;
  forward(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void>;
  /** The same request, answered as data (status, headers, body) instead of piped. */
  call(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<DynamoBackend> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  (server as { keepAliveTimeout?: number }).keepAliveTimeout = 0; // see server.ts

  const forward: DynamoBackend['forward'] = (method, url, headers, body, res) =>
    new Promise((resolve, reject) => {
      const upstream = request(
        { host: '127.0.0.1', port, method, path: url, headers: { ...headers, host: `127.0.0.1:${port}` } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const call: DynamoBackend['call'] = (method, url, headers, body) =>
    new Promise((resolve, reject) => {
      const upstream = request(
        { host: '127.0.0.1', port, method, path: url, headers: { ...headers, host: `127.0.0.1:${port}` } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('error', reject);
          answer.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(answer.headers))
              if (v !== undefined && !['content-length', 'date', 'connection'].includes(k))
                out[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({
              status: answer.statusCode ?? 500,
              headers: out,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });

  return { port, forward, call, close };
}
