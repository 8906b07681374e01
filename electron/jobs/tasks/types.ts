import type { z } from 'zod';
import type { JobContext } from '../../science/job-context';

/**
 * An engine job: parameters as parsed by the contract at the host's door (plus `workspace` where
 * the handler adds it), progress and cancellation through ctx, a serialisable result.
 */
export type Task = (params: unknown, ctx: JobContext) => Promise<unknown>;

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
export function workspaceTask<S extends z.ZodType>(schema: S, run: (ws: string, req: z.output<S>, ctx: JobContext) => Promise<unknown>): Task {
  return async (params, ctx) => {
    const { ws, req } = jobParams(schema, params);
    return run(ws, req, ctx);
  };
}
