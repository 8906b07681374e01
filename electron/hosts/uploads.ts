/**
 * Browser uploads: a page cannot hand the server an OS path, so dropped files are streamed to
 * `<workspace>/uploads/<session>/<relative path>` (PUT /upload/<session>/<path...>) and then
 * imported or audited from that folder like any local path. An import removes its session folder;
 * audits read theirs again when re-run, so those are pruned when a host starts, after a day.
 */
import type { IncomingMessage } from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { partName } from '../../native-data';
import { ApiError } from '../contract';
import { checkFreeDisk } from '../workspace/free-disk';

const SESSION = /^[a-zA-Z0-9-]{8,64}$/;
/** Largest upload (bytes), counted as the body arrives: a chunked body has no Content-Length to check. */
export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

/** Passes bytes through, failing once more than `limit` have passed. */
function byteLimit(limit: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new ApiError('bad-request', `upload ${what} too large: more than ${limit} bytes (the limit of the browser host)`));
      else done(null, chunk);
    },
  });
}

export function uploadsDirectory(workspace: string): string {
  return join(workspace, 'uploads');
}

export async function receiveUpload(
  req: IncomingMessage | Readable & { headers?: IncomingMessage['headers'] },
  workspace: string,
  segments: string[],
  maxBytes = MAX_UPLOAD_BYTES,
): Promise<{ session: string; directory: string; file: string }> {
  const [session, ...path] = segments;
  if (!session || !SESSION.test(session)) throw new ApiError('bad-request', 'upload session id must be 8-64 letters, digits or dashes');
  if (path.length === 0 || path.some((p) => p === '' || p === '.' || p === '..' || /[\\/\0]/.test(p))) {
    throw new ApiError('bad-request', 'upload path must be a relative path without . or .. parts');
  }
  const length = Number(req.headers?.['content-length'] ?? 0);
  if (length > maxBytes) throw new ApiError('bad-request', `upload ${path.join('/')} too large (${length} bytes; at most ${maxBytes})`);
  const directory = join(uploadsDirectory(workspace), session);
  const file = join(directory, ...path);
  await mkdir(dirname(file), { recursive: true });
  if (length > 0) await checkFreeDisk(dirname(file), length, `the upload ${path.join('/')}`);
  const tmp = partName(file);
  try {
    await pipeline(req, byteLimit(maxBytes, path.join('/')), createWriteStream(tmp));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { session, directory, file };
}

/** Staging sessions untouched for this long are removed when a host starts. */
export const UPLOAD_MAX_AGE_MS = 24 * 3600 * 1000;

/** Removes upload sessions last modified before now - maxAgeMs; returns the names removed. */
export async function pruneUploads(workspace: string, maxAgeMs = UPLOAD_MAX_AGE_MS, now = Date.now()): Promise<string[]> {
  const root = uploadsDirectory(workspace);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return []; // no uploads yet
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!SESSION.test(name)) continue; // not ours: leave it
    const dir = join(root, name);
    try {
      if (now - (await stat(dir)).mtimeMs > maxAgeMs) {
        await rm(dir, { recursive: true, force: true });
        removed.push(name);
      }
    } catch {
      /* raced with another remover: fine */
    }
  }
  return removed;
}
