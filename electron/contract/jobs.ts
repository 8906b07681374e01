/** Job records and job events: the one shape every host streams to every client. */
import { z } from 'zod';

export const JobId = z.string().min(1).max(64);
export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

/** Live numbers of a job's latest step, by name (contract twin of science/job-context.ts ProgressFigures). */
export const ProgressFigures = z.record(z.string(), z.number());

export const JobInfo = z.object({
  id: JobId,
  kind: z.string(),
  title: z.string(),
  state: JobState,
  fraction: z.number().min(0).max(1),
  message: z.string(),
  /** Seconds left, estimated from the progress rate; null until there is a rate. */
  etaSeconds: z.number().nonnegative().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** A message a person can act on, when state is failed. */
  error: z.string().nullable(),
  /** Live numbers of the latest step (a training's step, loss, smoothedLoss, itemsPerSecond), when the job reports them. */
  figures: ProgressFigures.optional(),
});
export type JobInfo = z.infer<typeof JobInfo>;

/**
 * The answer of a call that starts a job of `kind`: its id, and its kind as a literal, so a client
 * knows the type of the job's result (jobResults in job-results.ts) from the call it made.
 */
export function jobStarted<K extends string>(kind: K) {
  return z.object({ id: JobId, kind: z.literal(kind) });
}

export const JobEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queued'), job: JobInfo }),
  z.object({
    type: z.literal('progress'),
    id: JobId,
    fraction: z.number().min(0).max(1),
    message: z.string(),
    etaSeconds: z.number().nonnegative().nullable(),
    /** Live numbers of the step just done; clients append them to live charts (e.g. a training's loss curve). */
    figures: ProgressFigures.optional(),
  }),
  /** `result` as the job's kind (JobInfo.kind) has it in jobResults: read it with jobResult(kind, result). */
  z.object({ type: z.literal('done'), id: JobId, kind: z.string(), result: z.unknown() }),
  /** refused: the job turned its input down (bad file, parameter, unknown dataset) before any run was attempted. */
  z.object({ type: z.literal('failed'), id: JobId, error: z.string(), refused: z.boolean().optional() }),
  z.object({ type: z.literal('cancelled'), id: JobId }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
