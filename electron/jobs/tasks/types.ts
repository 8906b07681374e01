import type { z } from 'zod';
import type { JobKind, jobResults } from '../../contract/job-results';
import type { JobContext } from '../../science/job-context';

/**
 * An engine job: parameters as parsed by the contract at the host's door (plus `workspace` where
 * the handler adds it), progress and cancellation through ctx, and a result of its kind's
 * schema (contract/job-results.ts), so a result that drifts from the contract fails typecheck.
 */
export type Task<K extends JobKind = JobKind> = (params: unknown, ctx: JobContext) => Promise<z.input<(typeof jobResults)[K]>>;

/** Tasks by job kind, each returning its kind's result. */
export type TaskTable<K extends JobKind> = { [P in K]: Task<P> };

/**
 * Handlers send `{...parsed request, workspace}`: split them. The request was parsed (defaults,
 * early stopping resolved) by the contract; the engine trusts it and does not parse it again.
 * `schema` only names the type: the parameters are z.output of it.
 */
export function jobParams<S extends z.ZodType>(_schema: S, params: unknown): { ws: string; req: z.output<S> } {
  const { workspace, ...req } = params as { workspace: string };
  return { ws: workspace, req: req as z.output<S> };
}

/** A task that hands `{...parsed request, workspace}` to a run function. */
export function workspaceTask<S extends z.ZodType, R>(schema: S, run: (ws: string, req: z.output<S>, ctx: JobContext) => Promise<R>): (params: unknown, ctx: JobContext) => Promise<R> {
  return async (params, ctx) => {
    const { ws, req } = jobParams(schema, params);
    return run(ws, req, ctx);
  };
}
