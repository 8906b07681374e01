/**
 * Workspace errors to API errors, by class, in one place: what a request named and the workspace
 * does not hold is 'not-found'; another refusal of the store is 'bad-request'.
 */
import { ApiError, type ApiErrorCode } from '../../contract';
import { DatasetNotFound, DatasetStoreError } from '../../workspace/datasets';
import { RunNotFound } from '../../workspace/runs';

/** The API code of a workspace error, or undefined for any other error. */
export function storeErrorCode(e: unknown): ApiErrorCode | undefined {
  if (e instanceof DatasetNotFound || e instanceof RunNotFound) return 'not-found';
  if (e instanceof DatasetStoreError) return 'bad-request';
  return undefined;
}

/**
 * Runs `fn`; a workspace error becomes an ApiError with its code (message prefixed by `prefix`),
 * any other error becomes `otherwise` when given, or passes through.
 */
export async function storeCall<T>(fn: () => Promise<T>, opts: { otherwise?: ApiErrorCode; prefix?: string } = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    const code = storeErrorCode(e) ?? opts.otherwise;
    if (code === undefined) throw e;
    throw new ApiError(code, `${opts.prefix ?? ''}${e instanceof Error ? e.message : String(e)}`);
  }
}
