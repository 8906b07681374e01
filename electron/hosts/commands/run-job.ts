import type { CallName, CallResponse, JobKind, JobResult } from '../../contract';
import { waitForJob } from '../cli-jobs';
import type { CommandContext } from './types';

/** The job kind a start call answers with (contract: jobStarted(kind)). */
type StartedKind<N extends CallName> = CallResponse<N> extends { kind: infer K extends JobKind } ? K : never;

/** Start a job call, show its progress on stderr, cancel it on Ctrl-C, return its result (typed by the call's job kind). */
export async function runJob<N extends CallName>(ctx: CommandContext, call: N, request: unknown): Promise<JobResult<StartedKind<N>>> {
  const service = ctx.service();
  const started = (await service.callUnknown(call, request)) as { id: string };
  // the job queue checked the result against its kind's schema when the job ended
  return (await waitForJob(service, started.id, (line) => process.stderr.write(line))) as JobResult<StartedKind<N>>;
}
