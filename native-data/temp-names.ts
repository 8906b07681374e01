/**
 * Names of half-written files and folders carry the id of the process writing them, so the next
 * host to start can tell debris of a process that died (SIGKILL, power loss) from work in progress
 * of one still running, and remove the former at once instead of after a day.
 */
import { randomBytes } from 'node:crypto';

/** Prefix of temporary folders / files in the workspace (hidden: listings skip dot names). */
export const TEMP_PREFIX = '.tmp-';
/** Prefix of folders being deleted (renamed first, so they vanish atomically). */
export const TRASH_PREFIX = '.trash-';

/** `.tmp-<pid>-`: mkdtemp adds the random part. */
export function tempPrefix(): string {
  return `${TEMP_PREFIX}${process.pid}-`;
}

/** A unique temporary name for `label` in the same folder. */
export function tempName(label: string): string {
  return `${tempPrefix()}${label}-${randomBytes(6).toString('hex')}`;
}

export function trashName(label: string): string {
  return `${TRASH_PREFIX}${process.pid}-${label}-${randomBytes(6).toString('hex')}`;
}

/** `<file>.part-<pid>-<hex>`: a download or upload being received. */
export function partName(file: string): string {
  return `${file}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
}

const OWNED = [/^\.tmp-(\d+)-/, /^\.trash-(\d+)-/, /\.part-(\d+)-[0-9a-f]+$/];
const LEGACY = [/^\.tmp-/, /^\.trash-/, /\.part-[0-9a-f]+$/];

/** The writer's process id in a debris name; null for names without one; undefined if not debris at all. */
export function debrisOwner(name: string): number | null | undefined {
  for (const re of OWNED) {
    const m = re.exec(name);
    if (m) return Number(m[1]);
  }
  return LEGACY.some((re) => re.test(name)) ? null : undefined;
}

/** Whether a process with this id exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
