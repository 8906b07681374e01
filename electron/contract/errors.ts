/**
 * Errors that cross the wire: a code for programs, a message for people. Hosts turn any thrown
 * error into { code, message } with wireError; the renderer's client turns it back (ClientError).
 */
export const apiErrorCodes = ['bad-request', 'unknown-call', 'not-found', 'failed', 'unauthorised'] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (apiErrorCodes as readonly string[]).includes(code);
}

/** What a failed call answers on every transport (IPC, WebSocket). */
export interface WireError {
  code: ApiErrorCode;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/** The wire form of any error: an ApiError keeps its code, anything else is 'failed'. */
export function wireError(e: unknown): WireError {
  return { code: e instanceof ApiError ? e.code : 'failed', message: e instanceof Error ? e.message : String(e) };
}
