/**
 * The job kinds the engine runs, by name. Hosts parse parameters with the contract before a job
 * reaches here (the engine trusts them); each task reports progress and honours cancellation through its context.
 */
import type { JobContext } from '../science/job-context';
import { isJobKind, type JobKind } from '../contract/job-results';
import type { TaskTable } from './tasks/types';
import { datasetTasks } from './tasks/datasets';
import { samplingTasks } from './tasks/sampling';
import { auditTasks } from './tasks/audit';
import { rerunTasks } from './tasks/rerun';

/** Every job kind of the contract has its task (a missing one fails typecheck). */
const tasks: TaskTable<JobKind> = {
  ...datasetTasks,
  ...samplingTasks,
  ...auditTasks,
  ...rerunTasks,
};

export function taskKinds(): string[] {
  return Object.keys(tasks);
}

export async function runTask(kind: string, params: unknown, ctx: JobContext): Promise<unknown> {
  if (!isJobKind(kind)) throw new Error(`unknown job kind "${kind}"`);
  return tasks[kind](params, ctx);
}
