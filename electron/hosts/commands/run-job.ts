import type { CallName } from '../../contract';
import { waitForJob } from '../cli-jobs';
import type { CommandContext } from './types';

/** Start a job call, show its progress on stderr, cancel it on Ctrl-C, return its result. */
export async function runJob(ctx: CommandContext, call: CallName, request: unknown): Promise<unknown> {
  const service = ctx.service();
  const started = (await service.callUnknown(call, request)) as { id: string };
  return waitForJob(service, started.id, (line) => process.stderr.write(line));
}
