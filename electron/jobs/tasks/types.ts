import { z } from 'zod';
import type { JobContext } from '../../science/job-context';

/**
 * An engine job: parameters as validated by the contract (plus `workspace` where the handler
 * adds it), progress and cancellation through ctx, a serialisable result.
 */
export type Task = (params: unknown, ctx: JobContext) => Promise<unknown>;

const Workspace = z.looseObject({ workspace: z.string().min(1) });

/** Handlers send `{...request, workspace}`: split them and validate the request part. */
export function parseWithWorkspace<S extends z.ZodType>(schema: S, params: unknown): { ws: string; req: z.output<S> } {
  const { workspace, ...rest } = Workspace.parse(params);
  return { ws: workspace, req: schema.parse(rest) };
}

/** A task that validates `{...request, workspace}` and hands both to a run function. */
export function workspaceTask<S extends z.ZodType>(schema: S, run: (ws: string, req: z.output<S>, ctx: JobContext) => Promise<unknown>): Task {
  return async (params, ctx) => {
    const { ws, req } = parseWithWorkspace(schema, params);
    return run(ws, req, ctx);
  };
}
