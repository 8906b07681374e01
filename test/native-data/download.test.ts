import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, downloadCifar10, downloadFile } from '../../native-data';
import { MINI, tempDir } from './fixtures';
import { fileRoute, localServer, type LocalServer } from '../helpers/http-server';

let dir = '';
let cleanup = async () => {};
let server: LocalServer;
let base = '';
let miniMd5 = '';
let miniSize = 0;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  miniMd5 = createHash('md5').update(await readFile(MINI)).digest('hex');
  miniSize = (await stat(MINI)).size;
  server = await localServer({
    '/cifar10-mini-bin.tar.gz': fileRoute(MINI, 'application/gzip'),
    '/moved': (res) => {
      res.writeHead(302, { location: '/cifar10-mini-bin.tar.gz' });
      res.end();
    },
    '/slow': (res) => {
      res.writeHead(200, { 'content-length': 1_000_000 });
      res.write(Buffer.alloc(1000)); // then stalls: only cancellation ends it
    },
  });
  base = server.base;
});
afterAll(async () => {
  await server?.close();
  await cleanup();
});

describe('downloadFile (local server on 127.0.0.1)', () => {
  it('downloads with progress and a matching MD5', async () => {
    const dest = join(dir, 'mini.tar.gz');
    const seen: number[] = [];
    const r = await downloadFile(`${base}/cifar10-mini-bin.tar.gz`, dest, {
      expectedMd5: miniMd5,
      onProgress: (got, total) => {
        expect(total).toBe(miniSize);
        seen.push(got);
      },
    });
    expect(r).toEqual({ bytes: miniSize, md5: miniMd5 });
    expect(seen.at(-1)).toBe(miniSize);
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]!)).toBe(true);
    expect(Buffer.compare(await readFile(dest), await readFile(MINI))).toBe(0);
  });

  it('follows redirects', async () => {
    const dest = join(dir, 'moved.tar.gz');
    expect((await downloadFile(`${base}/moved`, dest)).md5).toBe(miniMd5);
  });

  it('a wrong checksum is a DataError and leaves no file', async () => {
    const d = join(dir, 'wrong');
    await import('node:fs/promises').then((fs) => fs.mkdir(d));
    const err = await downloadFile(`${base}/cifar10-mini-bin.tar.gz`, join(d, 'x.tar.gz'), { expectedMd5: 'c32a1d4ab5d03f1284b67883e8d87530' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).problem).toMatch(`checksum mismatch: expected MD5 c32a1d4ab5d03f1284b67883e8d87530, got ${miniMd5}`);
    expect(await readdir(d)).toEqual([]);
  });

  it('downloadCifar10 checks the official MD5 by default (URL overridden to the local server)', async () => {
    const d = join(dir, 'official');
    await import('node:fs/promises').then((fs) => fs.mkdir(d));
    await expect(downloadCifar10('binary', d, { url: `${base}/cifar10-mini-bin.tar.gz` })).rejects.toThrow(/expected MD5 c32a1d4ab5d03f1284b67883e8d87530/);
    expect(await readdir(d)).toEqual([]);
    const ok = await downloadCifar10('binary', d, { url: `${base}/cifar10-mini-bin.tar.gz`, expectedMd5: miniMd5 });
    expect(ok).toBe(join(d, 'cifar-10-binary.tar.gz'));
  });

  it('HTTP errors and cancellation', async () => {
    await expect(downloadFile(`${base}/missing`, join(dir, 'm'))).rejects.toThrow(/HTTP 404/);
    const d = join(dir, 'cancel');
    await import('node:fs/promises').then((fs) => fs.mkdir(d));
    const ac = new AbortController();
    const p = downloadFile(`${base}/slow`, join(d, 's'), { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toThrow(/abort/i);
    expect(await readdir(d)).toEqual([]);
  });

  it('a stalled download (headers, 1 000 bytes, then silence) fails with a stall error and leaves no .part file', async () => {
    const d = join(dir, 'stall');
    await import('node:fs/promises').then((fs) => fs.mkdir(d));
    const got: number[] = [];
    const p = downloadFile(`${base}/slow`, join(d, 's'), { stallMs: 400, onProgress: (n) => got.push(n) });
    await expect(p).rejects.toThrow(/download stalled: no data for 400 ms/);
    expect(got.at(-1)).toBe(1000); // the body had started: the stall is caught mid-transfer
    expect(await readdir(d)).toEqual([]);
  });

  it('a server that accepts the connection and never answers fails with a stall error', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => undefined); // accepts, never writes
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      await expect(downloadFile(`http://127.0.0.1:${port}/x`, join(dir, 'never'), { stallMs: 300 })).rejects.toThrow(/stalled/);
    } finally {
      silent.close();
    }
  });
});
