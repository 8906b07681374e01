/**
 * The Runs table, comparison and re-runs: one row per run (built from run.json in one place,
 * electron/workspace/run-rows.ts), what two or more runs have in common and where they differ,
 * and the result of repeating a run from its run.json. The same names in JSON, CLI and UI.
 */
import { z } from 'zod';
import { RunId } from './fields';
import { jobStarted } from './jobs';

/** What a person looks for first: the family of a run (run.json's `kind` says which exactly). */
export const runCategories = ['sample', 'sweep', 'experiment', 'training', 'audit'] as const;
export type RunCategory = (typeof runCategories)[number];

/** complete: run.json written; interrupted: a training's checkpoint without its run (resume it); cancelled, failed: recorded by the host. */
export const runStatuses = ['complete', 'cancelled', 'interrupted', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** A tag: short words people type (`--tag baseline`), no commas or spaces. */
export const RunTag = z.string().regex(/^[\p{L}\p{N}._:+-]{1,40}$/u, 'tag: 1 to 40 letters, digits or . _ : + -');
/** A person's name for a run (the title stays as the engine wrote it). */
export const RunName = z.string().trim().min(1, 'name: give at least one character').max(120);

/** One row of the Runs table (and of `scorescope runs list --json`). Missing figures are null. */
export const RunRow = z.object({
  id: RunId,
  /** run.json's kind: 'sample', 'experiment:delta-sweep', 'train-score', 'audit'. */
  kind: z.string(),
  category: z.enum(runCategories),
  title: z.string(),
  /** The name a person gave it, or null (the title then). */
  name: z.string().nullable(),
  created: z.string(),
  status: z.enum(runStatuses),
  tags: z.array(z.string()),
  /** "name:split" of the training data (audits: the training split). */
  dataset: z.string().nullable(),
  /** N: training items used. */
  trainingItems: z.number().nullable(),
  score: z.string().nullable(),
  sampler: z.string().nullable(),
  /** One delta, or the smallest of a sweep. */
  delta: z.number().nullable(),
  deltas: z.array(z.number()).nullable(),
  steps: z.number().nullable(),
  /** Samples drawn (audits: samples audited). */
  n: z.number().nullable(),
  seed: z.number().nullable(),
  backend: z.string().nullable(),
  kernels: z.string().nullable(),
  /** Wall time in seconds. */
  seconds: z.number().nullable(),
  memorizedFraction: z.number().nullable(),
  /** Bootstrap interval of the memorised fraction (audits). */
  memorizedCI: z.tuple([z.number(), z.number()]).nullable(),
  medianNearestDistance: z.number().nullable(),
  distanceUnits: z.string().nullable(),
  /** Set on a re-run: the run it repeats. */
  rerunOf: z.string().nullable(),
  /** Why a failed run failed (null otherwise). */
  error: z.string().nullable(),
});
export type RunRow = z.infer<typeof RunRow>;

/** A parameter that differs between the compared runs (one value per run, in order; null where absent). */
export const ParameterDifference = z.object({ name: z.string(), values: z.array(z.unknown()) });
/** A figure of every compared run (null where a run has none). */
export const MetricRow = z.object({ name: z.string(), values: z.array(z.number().nullable()) });

/** Lines that share an axis, one per run: memorised fraction against delta, or loss against step. */
export const CompareChart = z.object({
  id: z.enum(['memorized-vs-delta', 'loss-vs-step']),
  title: z.string(),
  xLabel: z.string(),
  yLabel: z.string(),
  xLog: z.boolean(),
  yLog: z.boolean(),
  lines: z.array(z.object({ run: RunId, label: z.string(), points: z.array(z.tuple([z.number(), z.number()])) })),
});
export type CompareChart = z.infer<typeof CompareChart>;

/** Sample i of every run beside the others: possible when the runs drew their initial noise alike. */
export const PairedGallery = z.object({
  /** Samples shown per run (the smallest n). */
  count: z.number().int(),
  itemShape: z.array(z.number().int()),
  /** Runs whose nearest training images are stored (nearest.npz), shown beside their samples. */
  withNearest: z.array(RunId),
});
export type PairedGallery = z.infer<typeof PairedGallery>;

export const RunComparison = z.object({
  runs: z.array(RunRow),
  /** Only what differs (parameters, data, backend), in a stable order. */
  parameters: z.array(ParameterDifference),
  /** How many parameters the runs share exactly. */
  sharedParameters: z.number().int(),
  metrics: z.array(MetricRow),
  charts: z.array(CompareChart),
  paired: PairedGallery.nullable(),
  /** Why there is no paired gallery (different seeds, shapes, no image samples), or null. */
  pairedWhy: z.string().nullable(),
});
export type RunComparison = z.infer<typeof RunComparison>;

export const CompareRequest = z.object({ ids: z.array(RunId).min(2, 'compare: pick at least two runs').max(8, 'compare: at most 8 runs') }).strict();

export const compareExportKinds = ['html', 'png', 'csv'] as const;
export const CompareExportRequest = CompareRequest.extend({
  /** Folder to write into (server side); default <workspace>/exports/compare-<first>-<second>. */
  out: z.string().min(1).optional(),
  kinds: z.array(z.enum(compareExportKinds)).min(1).default([...compareExportKinds]),
}).strict();
export const CompareExportFile = z.object({ kind: z.enum(compareExportKinds), path: z.string(), name: z.string(), bytes: z.number().int() });

/** A re-run's verdict: same backend and kernels should mean bit-identical arrays. */
export const RerunResult = z.object({
  run: RunId,
  dir: z.string(),
  of: RunId,
  kind: z.string(),
  sameBackend: z.boolean(),
  sameKernels: z.boolean(),
  backend: z.object({ before: z.string(), after: z.string() }),
  kernels: z.object({ before: z.string(), after: z.string() }),
  /** What was compared, present in both runs: .npz members ("samples.npz:arr_0") and result tables ("table.json"). */
  compared: z.array(z.string()),
  /** Every compared array equal bit for bit. */
  identical: z.boolean(),
  /** The largest absolute difference over the compared arrays (0 when identical; null when nothing compared). */
  maxAbsDifference: z.number().nullable(),
});
export type RerunResult = z.infer<typeof RerunResult>;

export const rerunJobKind = 'runs.rerun' as const;

const IdRequest = z.object({ id: RunId }).strict();

export const runCalls = {
  /** Every run as a table row, newest first; `category` filters. */
  'runs.table': {
    request: z.object({ category: z.enum(runCategories).optional() }).strict().default({}),
    response: z.object({ runs: z.array(RunRow) }),
  },
  'runs.rename': { request: z.object({ id: RunId, name: RunName.nullable() }).strict(), response: RunRow },
  'runs.tag': {
    request: z.object({ id: RunId, add: z.array(RunTag).default([]), remove: z.array(RunTag).default([]) }).strict(),
    response: RunRow,
  },
  'runs.compare': { request: CompareRequest, response: RunComparison },
  'runs.compareExport': { request: CompareExportRequest, response: z.object({ dir: z.string(), files: z.array(CompareExportFile) }) },
  /** Job; result: RerunResult. */
  'runs.rerun': {
    request: IdRequest,
    response: jobStarted(rerunJobKind),
  },
  /** Desktop: shows the run folder in the file manager (the host that can, does; others answer revealed: false). */
  'runs.reveal': { request: IdRequest, response: z.object({ id: RunId, dir: z.string(), revealed: z.boolean() }) },
} as const;
