/**
 * The read budgets in force for this process: request fields > environment settings > defaults
 * (contract/read-limits.ts). Readers take a resolved ReadLimits; this is where the environment is read.
 */
import { RATIO_FLOOR, resolveReadLimits, type ReadLimits } from '../electron/contract/read-limits';
import { DataError, LimitExceeded } from './errors';

export type { ReadLimits } from '../electron/contract/read-limits';

export function readLimits(given: Partial<ReadLimits> = {}): ReadLimits {
  try {
    return resolveReadLimits(given, process.env);
  } catch (e) {
    throw new DataError('settings', (e as Error).message);
  }
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** Refuses an entry (or stream) that inflated `inflated` bytes out of `compressed` past the ratio limit. */
export function checkRatio(file: string, what: string, inflated: number, compressed: number, limits: ReadLimits): void {
  if (inflated <= RATIO_FLOOR) return;
  const ratio = inflated / Math.max(1, compressed);
  if (ratio > limits.maxRatio) {
    throw new LimitExceeded(file, `${what} inflates ${mb(compressed)} to ${mb(inflated)} or more (ratio ${Math.round(ratio)}), a likely decompression bomb`, 'maxRatio', limits.maxRatio);
  }
}

/** Refuses when an archive's inflated total passes the limit. */
export function checkUncompressed(file: string, total: number, limits: ReadLimits): void {
  if (total > limits.maxUncompressed) {
    throw new LimitExceeded(file, `inflates to ${mb(total)} or more`, 'maxUncompressed', limits.maxUncompressed);
  }
}

/** Refuses reading `bytes` whole into memory past the decoded-bytes budget. */
export function checkWholeRead(file: string, bytes: number, limits: ReadLimits): void {
  if (bytes > limits.maxDecoded) {
    throw new LimitExceeded(file, `is ${mb(bytes)}, read whole into memory`, 'maxDecoded', limits.maxDecoded);
  }
}
