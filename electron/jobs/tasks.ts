/**
 * The job kinds the engine runs, by name. Hosts parse parameters with the contract before a job
 * reaches here (the engine trusts them); each task reports progress and honours cancellation through its context.
 */
import type { JobContext } from '../science/job-context';
import type { Task } from './tasks/types';
import { datasetTasks } from './tasks/datasets';
import { samplingTasks } from './tasks/sampling';
import { auditTasks } from './tasks/audit';

const tasks: Record<string, Task> = {
  ...datasetTasks,
  ...samplingTasks,
  ...auditTasks,
};

export function taskKinds(): string[] {
  return Object.keys(tasks);
}

export async function runTask(kind: string, params: unknown, ctx: JobContext): Promise<unknown> {
  const task = tasks[kind];
  if (!task) throw new Error(`unknown job kind "${kind}"`);
  return task(params, ctx);
}
