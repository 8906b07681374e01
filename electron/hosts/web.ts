/**
 * Browser host (`scorescope serve`): serves the built renderer and the contract over a WebSocket,
 * on loopback by default. A random token, printed in the URL, is required on every request
 * (query `token`, header `x-scorescope-token`, or the cookie set on the first visit); the Host
 * header must name this server, against DNS rebinding.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, wireError } from '../contract';
import { httpStatus, toApiError } from './api-errors';
import type { Service } from './service';
import { wireMessage, type WireRequest } from './wire';
import { resolveResource, resourceSegments } from './resources';
import { pruneUploads, receiveUpload } from './uploads';

export interface WebHostOptions {
  service: Service;
  rendererDir: string;
  port?: number;
  host?: string;
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}


const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.wasm': 'application/wasm',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const m = /(?:^|;\s*)scorescope_token=([a-f0-9]+)/.exec(req.headers.cookie ?? '');
  return m?.[1];
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const token = o.token ?? randomBytes(24).toString('hex');
  const bindHost = o.host ?? '127.0.0.1';
  const rendererDir = resolve(o.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built (no ${join(rendererDir, 'index.html')}): run \`npm run build\``);
  }
  await pruneUploads(o.service.options.workspace);
  let port = 0;

  const hostAllowed = (req: IncomingMessage) => {
    const h = (req.headers.host ?? '').toLowerCase();
    if (bindHost !== '127.0.0.1' && bindHost !== 'localhost' && bindHost !== '::1') return true;
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(h);
  };
  /** A browser's WebSocket names the page that opened it: only this host's own pages may (tools send no Origin). */
  const originAllowed = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      const u = new URL(origin);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
    } catch {
      return false;
    }
  };
  const authorised = (req: IncomingMessage, url: URL) =>
    sameToken(url.searchParams.get('token') ?? undefined, token) ||
    sameToken(req.headers['x-scorescope-token'] as string | undefined, token) ||
    sameToken(cookieToken(req), token);

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!hostAllowed(req)) return void send(res, 403, 'forbidden host');
      if (!authorised(req, url)) return void send(res, 401, 'missing or wrong token: open the URL that `scorescope serve` printed');
      res.setHeader('Set-Cookie', `scorescope_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
      const upload = resourceSegments(url.pathname, '/upload/');
      if (upload) {
        if (req.method !== 'PUT') return void send(res, 405, 'use PUT');
        const saved = await receiveUpload(req, o.service.options.workspace, upload);
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify(saved));
      }
      const segments = resourceSegments(url.pathname, '/res/');
      if (segments) {
        const r = await resolveResource(segments, url.searchParams, o.service.options.workspace);
        if (!r) return void send(res, 404, `not found: ${url.pathname}`);
        res.writeHead(200, {
          'content-type': r.contentType,
          'content-length': r.body.byteLength,
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
          ...(r.filename ? { 'content-disposition': `attachment; filename="${r.filename.replace(/[^\w.-]/g, '_')}"` } : {}),
        });
        return void res.end(r.body);
      }
      serveStatic(res, rendererDir, url.pathname);
    })().catch((e: unknown) => {
      const error = toApiError(e);
      if (!res.headersSent) send(res, httpStatus[error.code], error.message);
      else res.destroy();
    });
  });

  // contract calls are small JSON (files travel over HTTP uploads): a frame above this is refused
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_FRAME_BYTES });
  // a malformed HTTP request ends its own connection with a 400, never the server
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refusal = url.pathname !== '/ws' || !hostAllowed(req) || !authorised(req, url) ? '401 Unauthorized' : !originAllowed(req) ? '403 Forbidden' : null;
    if (refusal) {
      socket.write(`HTTP/1.1 ${refusal}\r\n\r\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, o.service));
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, bindHost, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Largest WebSocket frame a client may send (bytes). */
export const WS_MAX_FRAME_BYTES = 4 * 1024 * 1024;

function attach(ws: WebSocket, service: Service) {
  const off = service.onEvent((event) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event }));
  });
  ws.on('close', off);
  // a protocol error (reserved opcode, unmasked or oversized frame, invalid UTF-8) closes this
  // connection only (ws has already sent the close code); without a listener it would end the host
  ws.on('error', () => ws.terminate());
  ws.on('message', (data) => {
    let msg: WireRequest;
    try {
      msg = wireMessage(String(data));
    } catch (e) {
      ws.send(JSON.stringify({ id: null, ok: false, error: wireError(new ApiError('bad-request', (e as Error).message)) }));
      return;
    }
    // the client may be gone by the time the answer is ready
    const reply = (body: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(body));
    };
    service.callUnknown(msg.call, msg.request).then(
      (response) => reply({ id: msg.id, ok: true, response }),
      (e: unknown) => reply({ id: msg.id, ok: false, error: wireError(e) }),
    );
  });
}

function send(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function serveStatic(res: ServerResponse, root: string, pathname: string) {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return send(res, 400, 'bad request: the path is not valid percent-encoding');
  }
  const rel = normalize(decoded).replace(/^([/\\])+/, '');
  let file = join(root, rel);
  if (!file.startsWith(root + sep) && file !== root) return send(res, 403, 'forbidden');
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  res.writeHead(200, {
    'content-type': mime[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  createReadStream(file).pipe(res);
}
