import { DataError } from './errors';

/**
 * An archive member name as a safe relative POSIX path. Names that would land outside the
 * extraction folder (absolute, drive letters, "..") are refused: we never write them, but a
 * dataset that contains them is not one we trust.
 */
export function safeEntryPath(archive: string, name: string): string {
  const unified = name.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) {
    throw new DataError(archive, `archive entry "${name}" has an absolute path (it would escape the target folder)`);
  }
  const parts = unified.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new DataError(archive, `archive entry "${name}" contains ".." (it would escape the target folder)`);
  }
  return parts.join('/');
}
