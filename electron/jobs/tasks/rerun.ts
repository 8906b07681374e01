/**
 * Re-runs: the host turned a run.json back into its original request (hosts/rerun-request.ts,
 * parsed by the contract); this runs that job as if it were new, then compares the new run's
 * arrays with the original's and records the verdict in the new run.json (rerunOf).
 */
import type { JobKind } from '../../contract/job-results';
import type { JobContext } from '../../science/job-context';
import { rerunJobKind, type RerunResult } from '../../contract/runs';
import { readRun, runDirectory } from '../../workspace/runs';
import { setRerunOf } from '../../workspace/run-labels';
import { compareRunArrays } from '../rerun/compare-arrays';
import { samplingTasks } from './sampling';
import { auditTasks } from './audit';
import type { TaskTable } from './types';

/** What the host sends: the run to repeat, its job kind and its parsed request. */
export interface RerunParams {
  workspace: string;
  of: string;
  kind: JobKind;
  request: Record<string, unknown>;
}

/** The tasks that write a run folder (a re-run repeats one of them). */
const runTasks: Record<string, (params: unknown, ctx: JobContext) => Promise<unknown>> = {
  ...samplingTasks,
  ...auditTasks,
};

/** The new run's id from a run task's result ({run} or {summary: {run}}). */
function runIdOf(result: unknown): string {
  const r = result as { run?: unknown; summary?: { run?: unknown } };
  const id = typeof r.run === 'string' ? r.run : r.summary?.run;
  if (typeof id !== 'string') throw new Error('re-run: the job returned no run id');
  return id;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export const rerunTasks: TaskTable<typeof rerunJobKind> = {
  [rerunJobKind]: async (params, ctx): Promise<RerunResult> => {
    const { workspace, of, kind, request } = params as RerunParams;
    const task = runTasks[kind];
    if (!task) throw new Error(`re-run: runs of job kind "${kind}" cannot be re-run`);
    const original = await readRun(workspace, of);
    const id = runIdOf(await task({ ...request, workspace }, ctx));
    const fresh = await readRun(workspace, id);
    const comparison = await compareRunArrays(runDirectory(workspace, of), runDirectory(workspace, id), original.files, fresh.files);
    const backend = { before: text(original.environment['backend']), after: text(fresh.environment['backend']) };
    const kernels = { before: text(original.environment['kernels']), after: text(fresh.environment['kernels']) };
    const verdict = {
      of, kind: original.kind, sameBackend: backend.before === backend.after, sameKernels: kernels.before === kernels.after,
      backend, kernels, ...comparison,
    };
    // JSON has no Infinity: arrays of other shapes are recorded as a null difference with identical false
    const stored = { ...verdict, maxAbsDifference: Number.isFinite(verdict.maxAbsDifference ?? 0) ? verdict.maxAbsDifference : null };
    await setRerunOf(workspace, id, stored);
    return { run: id, dir: runDirectory(workspace, id), ...stored };
  },
};
