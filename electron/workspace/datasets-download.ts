/**
 * Download-then-import for published datasets (CIFAR-10). The archive is kept in
 * <ws>/downloads/ (so a second download of the same file is a checksum, not a transfer) and is
 * imported like any local file. On any failure (network, wrong MD5, unreadable archive, cancel)
 * the workspace is left as it was: the partial file is removed, and so is an archive this call
 * downloaded, and the downloads folder if this call created it.
 */
import { mkdir, rm, rmdir, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { CIFAR10_DOWNLOADS, downloadFile, type ReadLimits } from '../../native-data';
import { stageContext, type JobContext } from '../science/job-context';
import { importDataset, type ImportResult } from './datasets';

export interface DownloadDatasetOptions {
  readonly format?: keyof typeof CIFAR10_DOWNLOADS;
  /** A mirror; default the official URL for the format. */
  readonly url?: string;
  /** Expected MD5; default the official one for the format. */
  readonly md5?: string;
  readonly name?: string;
  /** Read budgets for the import (request fields; the rest from settings and defaults). */
  readonly limits?: Partial<ReadLimits>;
  readonly ctx?: JobContext;
}

export interface DownloadDatasetResult extends ImportResult {
  /** The verified archive in the workspace's downloads folder. */
  readonly archive: string;
}

export function downloadsDir(ws: string): string {
  return join(ws, 'downloads');
}

/** The archive's file name: the official one, or the last part of a mirror's URL when it names a file. */
export function archiveFileName(url: string | undefined, fallback: string): string {
  if (!url) return fallback;
  const last = basename(new URL(url).pathname);
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(last) && /\.(tar\.gz|tgz|tar|zip)$/i.test(last) ? last : fallback;
}

async function md5File(file: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(file, { signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function downloadDataset(ws: string, opts: DownloadDatasetOptions = {}): Promise<DownloadDatasetResult> {
  const official = CIFAR10_DOWNLOADS[opts.format ?? 'binary'];
  const url = opts.url ?? official.url;
  const md5 = (opts.md5 ?? official.md5).toLowerCase();
  const ctx = opts.ctx;
  const dir = downloadsDir(ws);
  const archive = join(dir, archiveFileName(opts.url, official.file));

  const hadDir = await stat(dir).then(() => true, () => false);
  const hadArchive = await stat(archive).then((s) => s.isFile(), () => false);
  let downloaded = false;
  try {
    if (hadArchive && (await md5File(archive, ctx?.signal)) === md5) {
      ctx?.progress(0.5, 'already downloaded (checksum verified)');
    } else {
      await mkdir(dir, { recursive: true });
      ctx?.progress(0, `downloading ${url}`);
      await downloadFile(url, archive, {
        expectedMd5: md5,
        signal: ctx?.signal,
        onProgress: (received, total) => {
          const mb = (received / 2 ** 20).toFixed(1);
          ctx?.progress(total ? (0.5 * received) / total : 0, total ? `downloading: ${mb} of ${(total / 2 ** 20).toFixed(1)} MB` : `downloading: ${mb} MB`);
        },
      });
      downloaded = true;
    }
    ctx?.throwIfCancelled();
    const result = await importDataset(ws, archive, { name: opts.name, limits: opts.limits, ctx: stageContext(ctx, 0.5, 1) });
    return { ...result, archive };
  } catch (e) {
    if (downloaded) await rm(archive, { force: true });
    if (!hadDir) await rmdir(dir).catch(() => undefined); // only when empty
    throw e;
  }
}
