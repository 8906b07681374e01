import type { JobContext } from '../jobs';

/**
 * An engine job: parameters as validated by the contract (plus `workspace` where the handler
 * adds it), progress and cancellation through ctx, a serialisable result.
 */
export type Task = (params: unknown, ctx: JobContext) => Promise<unknown>;
