/**
 * Any error a call throws to the API error a client sees, by class, in one place: ApiErrors keep
 * their code, a workspace error (electron/workspace/errors.ts) gets its code's counterpart,
 * anything else is 'failed'. The service applies it to every call; the hosts turn the code into
 * their own terms (HTTP status, CLI output) from here too.
 */
import { ApiError, type ApiErrorCode } from '../contract';
import { WorkspaceError, type WorkspaceErrorCode } from '../workspace/errors';

const fromWorkspace: Record<WorkspaceErrorCode, ApiErrorCode> = { 'not-found': 'not-found', refused: 'bad-request' };

/** The API error for `e`; `prefix` names the request field a workspace error is about ('data: '). */
export function toApiError(e: unknown, prefix = ''): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof WorkspaceError) return new ApiError(fromWorkspace[e.code], `${prefix}${e.message}`, { cause: e });
  return new ApiError('failed', e instanceof Error ? e.message : String(e), { cause: e });
}

/** Runs `fn`; a workspace error it throws becomes an ApiError whose message starts with `prefix`. */
export async function aboutField<T>(prefix: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof WorkspaceError ? toApiError(e, prefix) : e;
  }
}

/** The HTTP status the browser host answers for an API error code. */
export const httpStatus: Record<ApiErrorCode, number> = {
  'bad-request': 400,
  unauthorised: 401,
  'not-found': 404,
  'unknown-call': 404,
  failed: 500,
};
