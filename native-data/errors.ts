/**
 * The one error type of native-data: a file (or archive entry, or URL) and what is wrong with it,
 * phrased so a person can act on it ("expected ..., found ...").
 */
import { limitAdvice, type ReadLimitName } from '../electron/contract/read-limits';

export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataError';
  }
}

/** Runs fn and turns a Node I/O error (ENOENT, EACCES, ...) about `file` into a DataError. */
export async function orDataError<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asDataError(file, e);
  }
}

export function asDataError(file: string, e: unknown): Error {
  if (e instanceof DataError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new DataError(file, 'no such file or folder');
  if (code === 'EACCES' || code === 'EPERM') return new DataError(file, 'permission denied');
  if (code === 'EISDIR') return new DataError(file, 'expected a file, found a folder');
  if (code === 'ENOTDIR') return new DataError(file, 'expected a folder, found a file');
  if (e instanceof Error && e.name === 'AbortError') return e;
  if (e instanceof Error && e.name === 'JobCancelled') return e;
  return e instanceof Error ? e : new Error(String(e));
}

/** A refusal because a budget of contract/read-limits.ts would be exceeded; says which and how to raise it. */
export class LimitExceeded extends DataError {
  constructor(
    file: string,
    what: string,
    readonly limit: ReadLimitName,
    readonly value: number,
  ) {
    super(file, `${what}: ${limitAdvice(limit, value)}`);
    this.name = 'LimitExceeded';
  }
}
