/**
 * A free-space check before large writes (imports, uploads, downloads): a full disk mid-write
 * would fail with a raw ENOSPC and leave the file system full. The write is refused while the
 * workspace keeps a reserve free (SCORESCOPE_MIN_FREE_DISK, default 256 MiB).
 */
import { statfs } from 'node:fs/promises';
import { parseQuantity } from '../contract';
import { WorkspaceError } from './errors';

export const DEFAULT_FREE_RESERVE = 256 * 2 ** 20;

export function freeReserve(env: Record<string, string | undefined> = process.env): number {
  const text = env['SCORESCOPE_MIN_FREE_DISK'];
  if (text === undefined || text === '') return DEFAULT_FREE_RESERVE;
  if (/^\s*0+\s*$/.test(text)) return 0;
  const v = parseQuantity(text, 'bytes');
  if (v === null) throw new WorkspaceError('refused', `SCORESCOPE_MIN_FREE_DISK="${text}" is not a size (e.g. 256MiB, or 0)`);
  return v;
}

/** Bytes free to this user on the file system holding `dir`, or null where statfs is not available. */
export async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

/** Refuses to write `bytes` more into `dir` when that would leave less than the reserve free. */
export async function checkFreeDisk(dir: string, bytes: number, what: string): Promise<void> {
  const free = await freeBytes(dir);
  if (free === null) return;
  const reserve = freeReserve();
  if (free - bytes < reserve) {
    throw new WorkspaceError(
      'refused',
      `not enough free disk space for ${what}: ${mib(free)} free in ${dir}, ${mib(bytes)} more needed and ${mib(reserve)} kept free (SCORESCOPE_MIN_FREE_DISK); nothing was kept`,
    );
  }
}
