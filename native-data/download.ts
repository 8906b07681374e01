/**
 * Downloads a file over http(s) with progress, cancellation and MD5 verification. The data goes
 * to a temporary name beside `dest` and is renamed into place only once complete and verified.
 */
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { DataError } from './errors';
import { partName } from './temp-names';

export const CIFAR10_DOWNLOADS = {
  binary: { url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530', file: 'cifar-10-binary.tar.gz' },
  python: { url: 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz', md5: 'c58f30108f718f92721af3b95e74349a', file: 'cifar-10-python.tar.gz' },
} as const;

export interface DownloadOptions {
  /** Hex MD5 the content must have (checked before the file appears at dest). */
  readonly expectedMd5?: string;
  /** Called as bytes arrive; total is null when the server sends no length. */
  readonly onProgress?: (received: number, total: number | null) => void;
  readonly signal?: AbortSignal;
  readonly maxRedirects?: number;
  /** Gives up when the connection is silent this long (connecting or mid-body); default 60 s. */
  readonly stallMs?: number;
}

/** Default stall timeout; SCORESCOPE_DOWNLOAD_STALL_SECONDS overrides it (slow links, tests). */
export function defaultStallMs(env: Record<string, string | undefined> = process.env): number {
  const s = Number(env['SCORESCOPE_DOWNLOAD_STALL_SECONDS']);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 60_000;
}

const stallMessage = (ms: number) => `download stalled: no data for ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`} (nothing was saved; try again or use a mirror with --url)`;

export interface DownloadResult {
  readonly bytes: number;
  readonly md5: string;
}

/** A GET whose socket is destroyed with a DataError after stallMs of silence, body included. */
function get(url: string, signal: AbortSignal | undefined, stallMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!lib) return reject(new DataError(url, `unsupported URL scheme ${u.protocol} (expected http or https)`));
    const req = lib.get(u, { signal, headers: { 'user-agent': 'scorescope' } }, (res) => {
      res.on('error', () => undefined); // surfaced to the reader of the body
      resolve(res);
    });
    req.setTimeout(stallMs, () => {
      const err = new DataError(url, stallMessage(stallMs));
      req.destroy(err);
      reject(err);
    });
    req.on('error', reject);
  });
}

export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  let current = url;
  let res: http.IncomingMessage;
  const stallMs = opts.stallMs ?? defaultStallMs();
  for (let hops = 0; ; hops++) {
    try {
      res = await get(current, opts.signal, stallMs);
    } catch (e) {
      if ((e as Error).name === 'AbortError' || e instanceof DataError) throw e;
      throw new DataError(current, `download failed (${(e as Error).message})`);
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hops >= (opts.maxRedirects ?? 5)) throw new DataError(url, 'too many redirects');
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new DataError(current, `download failed: HTTP ${status} ${res.statusMessage ?? ''}`.trim());
    }
    break;
  }
  const lengthHeader = res.headers['content-length'];
  const total = lengthHeader !== undefined ? Number(lengthHeader) : null;
  const part = partName(join(dirname(dest), `.${basename(dest)}`));
  const md5 = createHash('md5');
  let received = 0;
  const fh = await open(part, 'w');
  let ok = false;
  let stalled = false;
  res.socket?.on('timeout', () => (stalled = true));
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      md5.update(chunk);
      received += chunk.length;
      let off = 0;
      while (off < chunk.length) off += (await fh.write(chunk, off)).bytesWritten;
      opts.onProgress?.(received, total);
    }
    if (total !== null && received !== total) throw new DataError(current, `download incomplete: got ${received} of ${total} bytes`);
    await fh.sync();
    ok = true;
  } catch (e) {
    if (stalled) throw new DataError(current, stallMessage(stallMs));
    if ((e as Error).name === 'AbortError' || e instanceof DataError) throw e;
    throw new DataError(current, `download failed (${(e as Error).message})`);
  } finally {
    await fh.close();
    if (!ok) await rm(part, { force: true });
  }
  const digest = md5.digest('hex');
  if (opts.expectedMd5 && digest !== opts.expectedMd5.toLowerCase()) {
    await rm(part, { force: true });
    throw new DataError(url, `checksum mismatch: expected MD5 ${opts.expectedMd5.toLowerCase()}, got ${digest} (corrupt or different file; nothing was saved)`);
  }
  await rename(part, dest);
  return { bytes: received, md5: digest };
}

/**
 * Downloads an official CIFAR-10 archive into `destDir` (default URL and MD5; the URL can be
 * overridden, e.g. for a mirror). Returns the path of the verified archive.
 */
export async function downloadCifar10(
  variant: keyof typeof CIFAR10_DOWNLOADS,
  destDir: string,
  opts: Omit<DownloadOptions, 'expectedMd5'> & { url?: string; expectedMd5?: string } = {},
): Promise<string> {
  const d = CIFAR10_DOWNLOADS[variant];
  const dest = join(destDir, d.file);
  await downloadFile(opts.url ?? d.url, dest, { ...opts, expectedMd5: opts.expectedMd5 ?? d.md5 });
  return dest;
}
