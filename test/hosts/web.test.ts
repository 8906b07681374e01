import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { request } from 'node:http';
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
    expect((await fetch(`${base}/../../etc/passwd`, { headers: { cookie } })).status).not.toBe(500);
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
});
