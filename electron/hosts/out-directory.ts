/**
 * `--out DIR` is checked before any work starts, so a run is never computed (and written to the
 * workspace) only to fail at the copy: DIR must be, or be creatable as, a writable folder, and not
 * inside a kernel pseudo-filesystem (/proc, /sys, /dev), where writes hang or mean something else.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

const PSEUDO = ['/proc', '/sys', '/dev'];

export async function checkOutDirectory(path: string): Promise<string> {
  const dir = resolve(path);
  if (process.platform !== 'win32' && PSEUDO.some((p) => dir === p || dir.startsWith(p + sep))) {
    throw new Error(`--out ${path}: ${dir} is inside a kernel pseudo-filesystem; give a folder on disk`);
  }
  const found = await stat(dir).catch(() => null);
  if (found && !found.isDirectory()) throw new Error(`--out ${path}: ${dir} is a file, not a folder`);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is a file' : code === 'EROFS' ? 'read-only file system' : (e as Error).message;
    throw new Error(`--out ${path}: cannot write a folder there (${why})`);
  }
  return dir;
}
