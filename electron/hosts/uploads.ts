/**
 * Browser uploads: a page cannot hand the server an OS path, so dropped files are streamed to
 * `<workspace>/uploads/<session>/<relative path>` (PUT /upload/<session>/<path...>) and then
 * imported or audited from that folder like any local path.
 */
import type { IncomingMessage } from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';

const SESSION = /^[a-zA-Z0-9-]{8,64}$/;
const MAX_BYTES = 4 * 1024 ** 3;

export function uploadsDirectory(workspace: string): string {
  return join(workspace, 'uploads');
}

export async function receiveUpload(req: IncomingMessage, workspace: string, segments: string[]): Promise<{ session: string; directory: string; file: string }> {
  const [session, ...path] = segments;
  if (!session || !SESSION.test(session)) throw new Error('upload session id must be 8-64 letters, digits or dashes');
  if (path.length === 0 || path.some((p) => p === '' || p === '.' || p === '..' || /[\\/\0]/.test(p))) {
    throw new Error('upload path must be a relative path without . or .. parts');
  }
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_BYTES) throw new Error(`upload too large (${length} bytes; at most ${MAX_BYTES})`);
  const directory = join(uploadsDirectory(workspace), session);
  const file = join(directory, ...path);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.part-${randomBytes(4).toString('hex')}`;
  try {
    await pipeline(req, createWriteStream(tmp));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { session, directory, file };
}
