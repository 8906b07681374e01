import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { receiveUpload } from '../../electron/hosts/uploads';
import { createService, type Service } from '../../electron/hosts/service';
import { startWebHost, type WebHost } from '../../electron/hosts/web';

function call(ws: WebSocket, id: number, name: string, request: unknown): Promise<{ ok: boolean; response?: unknown; error?: { message: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as { id?: number };
      if (m.id === id) {
        ws.off('message', onMessage);
        resolve(m as never);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, call: name, request }));
  });
}

describe('browser host', () => {
  let service: Service;
  let web: WebHost;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scorescope-web-'));
    mkdirSync(join(dir, 'renderer'));
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>ScoreScope</title>');
    // upload staging from an earlier host: one two days old, one fresh, one not an upload session
    for (const [name, ageHours] of [['old-session-1', 48], ['new-session-1', 1], ['not a session', 48]] as const) {
      const session = join(dir, 'ws', 'uploads', name);
      mkdirSync(join(session, 'sub'), { recursive: true });
      writeFileSync(join(session, 'sub', 'x.png'), 'x');
      const t = new Date(Date.now() - ageHours * 3600_000);
      utimesSync(session, t, t);
    }
    service = createService({ workspace: join(dir, 'ws'), host: 'web' });
    web = await startWebHost({ service, rendererDir: join(dir, 'renderer') });
  });
  afterAll(async () => {
    await web.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes upload staging sessions older than a day when it starts', () => {
    expect(existsSync(join(dir, 'ws', 'uploads', 'old-session-1'))).toBe(false);
    expect(existsSync(join(dir, 'ws', 'uploads', 'new-session-1', 'sub', 'x.png'))).toBe(true);
    expect(existsSync(join(dir, 'ws', 'uploads', 'not a session'))).toBe(true);
  });

  it('binds to loopback and prints a tokenised URL', () => {
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[a-f0-9]{48}$/);
  });

  it('refuses requests without the token, serves with it, and then trusts the cookie', async () => {
    const base = `http://127.0.0.1:${web.port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    const ok = await fetch(web.url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('ScoreScope');
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${base}/assets/x.js`, { headers: { cookie } })).status).toBe(200);
  });

  it('never serves a file outside the renderer folder, whatever the raw path (not normalised by a client)', async () => {
    // a secret beside the renderer folder, and a request path sent byte for byte
    writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET');
    const cookie = await fetch(web.url).then((r) => r.headers.get('set-cookie')!.split(';')[0]!);
    const raw = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: web.port, path, headers: { cookie } }, (res) => {
        let body = '';
        res.on('data', (d) => void (body += String(d)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    const attempts = ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/..\\secret.txt', '/assets/../../secret.txt',
      '/%2e%2e%5csecret.txt', `/${'../'.repeat(12)}etc/passwd`, '/%252e%252e/secret.txt', '/..%00/secret.txt'];
    for (const path of attempts) {
      const r = await raw(path);
      expect(r.body, path).not.toContain('TOP-SECRET');
      expect(r.body, path).not.toMatch(/root:.*:0:0:/);
      // refused, or the app's page (the single-page fallback), never an error of the host
      expect([200, 400, 403, 404], `${path}: ${r.status}`).toContain(r.status);
      if (r.status === 200) expect(r.body, path).toContain('ScoreScope');
    }
    expect((await raw('/%E0%A4%A')).status, 'malformed percent-encoding').toBe(400);
  });

  it('answers an upload it refuses with the HTTP status of its API code', async () => {
    const put = (path: string) => fetch(`http://127.0.0.1:${web.port}/upload/${path}`, {
      method: 'PUT', headers: { 'x-scorescope-token': web.token }, body: 'x',
    });
    const bad = await put('no/x.png');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/upload session id/);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: web.port, path: `/?token=${web.token}`, headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('answers contract calls over the WebSocket and rejects a socket without token', async () => {
    await expect(new Promise((resolve, reject) => {
      const bad = new WebSocket(`ws://127.0.0.1:${web.port}/ws`);
      bad.on('open', () => resolve('open'));
      bad.on('error', reject);
    })).rejects.toThrow(/401/);
    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws?token=${web.token}`);
    await new Promise((r) => ws.on('open', r));
    const status = await call(ws, 1, 'status', {});
    expect(status.ok).toBe(true);
    expect((status.response as { host: string }).host).toBe('web');
    const bad = await call(ws, 2, 'experiments.gaussian2d', { steps: 'many' });
    expect(bad.ok).toBe(false);
    expect(bad.error?.message).toMatch(/steps/);
    ws.close();
  });

  /** Opens a raw TCP connection, completes the WebSocket handshake, writes `frame`, and resolves when the server closes it. */
  function rawFrame(frame: Buffer, headers: Record<string, string> = {}): Promise<{ handshake: string; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(web.port, '127.0.0.1');
      let text = '';
      let sent = false;
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ handshake: text.split('\r\n')[0]!, closed: false });
      }, 5000);
      socket.on('data', (d) => {
        text += d.toString('latin1');
        if (!sent && text.includes('\r\n\r\n')) {
          sent = true;
          if (text.startsWith('HTTP/1.1 101')) socket.write(frame);
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ handshake: text.split('\r\n')[0]!, closed: true });
      });
      socket.on('error', reject);
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`GET /ws?token=${web.token} HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
    });
  }

  async function stillServes(): Promise<void> {
    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws?token=${web.token}`);
    await new Promise((r, j) => {
      ws.on('open', r);
      ws.on('error', j);
    });
    expect((await call(ws, 9, 'status', {})).ok).toBe(true);
    ws.close();
  }

  it('closes only the offending connection on a malformed WebSocket frame, and keeps serving', async () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = (first: number, payload: Buffer) => Buffer.concat([Buffer.from([first, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
    const frames: Record<string, Buffer> = {
      'reserved opcode': masked(0x83, Buffer.from('x')),
      'unmasked client frame': Buffer.concat([Buffer.from([0x81, 5]), Buffer.from('hello')]),
      'invalid UTF-8 text': masked(0x81, Buffer.from([0xff, 0xfe, 0xfd])),
      // 64-bit length of 2^40 bytes: far above the frame cap
      'oversized length': Buffer.concat([Buffer.from([0x82, 0x80 | 127, 0, 0, 1, 0, 0, 0, 0, 0]), mask]),
      'reserved bits set': masked(0x81 | 0x40, Buffer.from('x')),
    };
    for (const [what, frame] of Object.entries(frames)) {
      const r = await rawFrame(frame);
      expect(r.handshake, what).toMatch(/^HTTP\/1.1 101/);
      expect(r.closed, `${what}: the server closed the connection`).toBe(true);
      await stillServes();
    }
  });

  it('refuses a WebSocket opened by a foreign page (Origin) and answers a malformed HTTP request with 400', async () => {
    expect((await rawFrame(Buffer.alloc(0), { Origin: 'http://evil.example' })).handshake).toBe('HTTP/1.1 403 Forbidden');
    const own = await rawFrame(Buffer.from([0x88, 0x80, 1, 2, 3, 4]), { Origin: `http://127.0.0.1:${web.port}` });
    expect(own.handshake).toMatch(/^HTTP\/1.1 101/);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(web.port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => void (text += d.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Without Colon\r\n\r\n');
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    await stillServes();
  });

  it('counts upload bytes as they arrive: a chunked body without Content-Length cannot pass the cap, and leaves nothing', async () => {
    const ws = join(dir, 'ws-cap');
    const body = Readable.from([Buffer.alloc(6, 1), Buffer.alloc(6, 2), Buffer.alloc(6, 3)]);
    await expect(receiveUpload(Object.assign(body, { headers: {} }), ws, ['session-cap-1', 'big.npy'], 10))
      .rejects.toThrow(/upload big.npy too large: more than 10 bytes/);
    expect(readdirSync(join(ws, 'uploads', 'session-cap-1'))).toEqual([]);
    const small = await receiveUpload(Object.assign(Readable.from([Buffer.alloc(4, 7)]), { headers: {} }), ws, ['session-cap-1', 'ok.npy'], 10);
    expect(readFileSync(small.file)).toEqual(Buffer.alloc(4, 7));
  });
});

