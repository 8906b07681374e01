/**
 * What each job kind (JobInfo.kind) returns: one table from kind to result schema. The engine's
 * tasks are typed by it (electron/jobs/tasks), the job queue checks every result against it when
 * the job ends, and clients read a result with jobResult(kind, raw), the kind being the one a start
 * call answered with (or the 'done' event's).
 */
import type { z } from 'zod';
import { auditJobKind, AuditSummary } from './audit';
import { DatasetImportResult, DatasetProbe } from './datasets';
import {
  Cifar10ExperimentResult, DeltaSweepResult, Gaussian2dExperimentResult, LearnedVsEmpiricalResult, SampleRunResult,
  ScoreErrorResult, samplingJobKinds,
} from './sampling';
import { TrainScoreResult } from './training';
import { MemorizationVsNResult } from './memorization-vs-n';
import { RerunResult, rerunJobKind } from './runs';

export const jobResults = {
  'datasets.probe': DatasetProbe,
  'datasets.import': DatasetImportResult,
  'datasets.synth': DatasetImportResult,
  'datasets.download': DatasetImportResult,
  [samplingJobKinds.sample]: SampleRunResult,
  [samplingJobKinds.gaussian2d]: Gaussian2dExperimentResult,
  [samplingJobKinds.scoreError]: ScoreErrorResult,
  [samplingJobKinds.deltaSweep]: DeltaSweepResult,
  [samplingJobKinds.cifar10]: Cifar10ExperimentResult,
  [samplingJobKinds.trainScore]: TrainScoreResult,
  [samplingJobKinds.learnedVsEmpirical]: LearnedVsEmpiricalResult,
  [samplingJobKinds.memorizationVsN]: MemorizationVsNResult,
  [auditJobKind]: AuditSummary,
  [rerunJobKind]: RerunResult,
} as const;

export type JobKind = keyof typeof jobResults;
/** The result of a finished job of kind K. */
export type JobResult<K extends JobKind> = z.output<(typeof jobResults)[K]>;

/** The table seen per kind (checked key by key here), so jobResult needs no cast. */
const resultSchemas: { [K in JobKind]: z.ZodType<JobResult<K>> } = jobResults;

export function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(jobResults, kind);
}

/**
 * A finished job's result as its kind's schema reads it (throws a ZodError when it does not
 * match): how a client turns the `result` of a 'done' event or of `jobs.result` into its type.
 */
export function jobResult<K extends JobKind>(kind: K, raw: unknown): JobResult<K> {
  return resultSchemas[kind].parse(raw);
}

/** Checks a finished job's result against its kind's schema; the message names the kind and the fields. */
export function checkJobResult(kind: string, result: unknown): { ok: true } | { ok: false; error: string } {
  if (!isJobKind(kind)) return { ok: false, error: `unknown job kind "${kind}"` };
  const r = jobResults[kind].safeParse(result);
  if (r.success) return { ok: true };
  const detail = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(result)'}: ${i.message}`).join('; ');
  return { ok: false, error: `the ${kind} job returned a result that does not match the contract: ${detail}` };
}
