/**
 * A local HTTP server on 127.0.0.1 (a free port) for download tests: no network, exact bytes,
 * redirects and stalls on demand.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (res: http.ServerResponse) => void | Promise<void>;

export interface LocalServer {
  /** "http://127.0.0.1:<port>", without a trailing slash. */
  base: string;
  close(): Promise<void>;
}

/** Serves a file with its content-length (so downloads can report progress against a total). */
export function fileRoute(path: string, contentType = 'application/octet-stream'): Route {
  return async (res) => {
    const { size } = await stat(path);
    res.writeHead(200, { 'content-length': size, 'content-type': contentType });
    createReadStream(path).pipe(res);
  };
}

/** Answers each exact URL path with its route; anything else is 404 "no". */
export async function localServer(routes: Record<string, Route>): Promise<LocalServer> {
  const server = http.createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (!route) {
      res.writeHead(404);
      res.end('no');
      return;
    }
    Promise.resolve(route(res)).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
