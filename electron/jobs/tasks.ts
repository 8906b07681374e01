/**
 * The job kinds the engine runs, by name. Hosts validate parameters against the contract before
 * a job reaches here; each task reports progress and honours cancellation through its context.
 */
import type { JobContext } from '../science/job-context';
import { gaussian2dDemo } from '../science/experiments/gaussian2d-demo';
import { Gaussian2dDemoRequest } from '../contract';

import type { Task } from './tasks/types';
import { datasetTasks } from './tasks/datasets';
import { samplingTasks } from './tasks/sampling';
import { auditTasks } from './tasks/audit';

const tasks: Record<string, Task> = {
  'demo.gaussian2d': async (params, ctx) => gaussian2dDemo(Gaussian2dDemoRequest.parse(params), ctx),
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
