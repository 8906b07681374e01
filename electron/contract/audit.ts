/**
 * Audits of generated samples against a training split (docs/math.md §5).
 *
 * `audit.start` is a job: load the samples (a folder of images, an .npz such as guided-diffusion's
 * arr_0, an .npy, or a ScoreScope run), find each one's k nearest training images (exact L2 on
 * pixels scaled to [0, 1]) and compute the memorisation and novelty metrics; the audit is saved
 * as a run (kind 'audit'). The other calls read saved audits; `audit.summary` re-counts the
 * memorised fraction and its bootstrap interval at another d1/d2 threshold without a new search.
 */
import { readLimitFields } from './read-limits';
import { z } from 'zod';
import { jobStarted } from './jobs';
import { DatasetRef, ResizeFit } from './datasets';
import { Seed } from './fields';

const finite = () => z.number().finite();

/** Same form as the runs store (electron/workspace/runs.ts). */
export const AuditId = z
  .string()
  .regex(/^[0-9]{8}-[0-9]{6}-[a-z0-9-]{1,40}-[0-9a-f]{6}$/, 'id: expected an audit run id such as 20260102-030405-audit-1a2b3c');

/** d1/d2 threshold: memorised iff d(x, NN1) / d(x, NN2) < threshold (Yoon et al.: 1/3). */
export const AuditThreshold = finite().gt(0, 'threshold must be above 0').max(1, 'threshold must be at most 1 (d1/d2 never exceeds 1)');

export const AuditRequest = z
  .object({
    /** A folder of images, an .npz / .npy file, or a run (id, or its folder). */
    samples: z.string().min(1, 'samples: give a folder of images, an .npz / .npy file, or a ScoreScope run id')
      .describe('a folder of images, an .npz (arr_0) / .npy file, or a run id'),
    /** Training split, "name" or "name:split" (default split train). */
    train: DatasetRef.describe('the training split, e.g. cifar10 or cifar10:train'),
    /** Optional held-out split, "name:split" ("name" alone means its test split). */
    test: DatasetRef.optional().describe('a held-out split, e.g. cifar10:test (train/test gap, C_T)'),
    /** Neighbours listed per sample (k >= 2: the ratio needs d2). */
    k: z.number().int().min(2, 'k must be at least 2 (d1/d2 needs two neighbours)').max(50).default(5).describe('nearest training images listed per sample'),
    threshold: AuditThreshold.default(1 / 3).describe('a sample is memorised when d1/d2 is below this'),
    /** Seeds the bootstrap, the subsamples (radii, held-out) and k-means. */
    seed: Seed.default(0).describe('seeds the bootstrap, subsamples and k-means'),
    /** Image samples of another size: resize to S x S on reading (folders / archives of images only). */
    resize: z.number().int().min(1).max(4096).optional().describe('image samples of another size: resize to S x S'),
    fit: ResizeFit.optional().describe('how --resize fits an image of another aspect'),
    ...readLimitFields,
  })
  .strict();
export type AuditRequest = z.infer<typeof AuditRequest>;

const Interval = z.tuple([z.number(), z.number()]);

export const ClassRow = z.object({
  label: z.number().int(),
  name: z.string().nullable(),
  count: z.number().int(),
  memorized: z.number().int(),
  memorizedFraction: z.number().nullable(),
});
export type ClassRow = z.infer<typeof ClassRow>;

/** Headline numbers of one audit (the job's result, the run's summary). */
export const AuditSummary = z.object({
  run: z.string(),
  dir: z.string(),
  count: z.number().int(),
  k: z.number().int(),
  threshold: z.number(),
  memorizedFraction: z.number(),
  memorizedCI: Interval,
  memorizedCount: z.number().int(),
  medianD1: z.number(),
  medianRatio: z.number(),
  ct: z.number().nullable(),
  authenticity: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  coverage: z.object({ distinct: z.number().int(), fraction: z.number() }),
  seconds: z.number(),
});
export type AuditSummary = z.infer<typeof AuditSummary>;

/** The metrics of metrics.json (electron/science/metrics/audit.ts AuditReport, without perSample). */
export const AuditMetricsInfo = z.looseObject({
  count: z.number().int(),
  dim: z.number().int(),
  trainCount: z.number().int(),
  testCount: z.number().int().nullable(),
  k: z.number().int(),
  threshold: z.number(),
  memorizedFraction: z.number(),
  memorizedCI: Interval,
  memorizedCount: z.number().int(),
  bootstrap: z.object({ resamples: z.number().int(), level: z.number(), seed: z.number().int() }),
  medianD1: z.number(),
  medianRatio: z.number(),
  calibrated: z.object({ n: z.number().int(), alpha: z.number(), extractedFraction: z.number() }),
  ct: z.looseObject({ value: z.number().nullable(), reason: z.string().nullable(), k: z.number().int() }).nullable(),
  authenticity: z.object({ fraction: z.number(), authentic: z.number().int() }).nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  coverage: z.object({ distinct: z.number().int(), fraction: z.number() }),
  perClass: z.array(ClassRow).nullable(),
  trainTestGap: z
    .object({
      sampleCount: z.number().int(),
      testCount: z.number().int(),
      sampleMedian: z.number(),
      testMedian: z.number(),
      histogram: z.object({ edges: z.array(z.number()), samples: z.array(z.number()), test: z.array(z.number()) }),
      mannWhitney: z.looseObject({ u: z.number(), z: z.number(), p: z.number() }),
    })
    .nullable(),
  unavailable: z.record(z.string(), z.string()),
  notes: z.array(z.string()),
});
export type AuditMetricsInfo = z.infer<typeof AuditMetricsInfo>;

/** Where the samples came from. */
export const AuditSource = z.object({
  /** What was given: a path or a run id. */
  given: z.string(),
  kind: z.enum(['run', 'file', 'folder']),
  path: z.string(),
  format: z.string(),
  /** The sampling run, when the samples came from one. */
  run: z.string().nullable(),
  count: z.number().int(),
  itemShape: z.array(z.number().int()),
  notes: z.array(z.string()),
});
export type AuditSource = z.infer<typeof AuditSource>;

export const AuditSplitInfo = z.object({
  ref: z.string(),
  dataset: z.string(),
  split: z.string(),
  /** sha256 of this split's stored array file (<split>.npy): differs between train and test; null in audits made before it was recorded. */
  splitSha256: z.string().nullable(),
  /** sha256 of the dataset's source archive (or folder listing, or synthetic spec): the same for every split of a dataset. */
  sourceSha256: z.string(),
  count: z.number().int(),
  itemShape: z.array(z.number().int()),
  classes: z.array(z.string()).nullable(),
});
export type AuditSplitInfo = z.infer<typeof AuditSplitInfo>;

/**
 * Per-sample columns (row-major [count, k] for neighbours): compact enough for 10 000 samples.
 * memorised(i) = ratio[i] < threshold; the view filters by comparing, nothing more.
 */
export const AuditColumns = z.object({
  k: z.number().int(),
  ratio: z.array(z.number()),
  neighbourIndex: z.array(z.number().int()),
  neighbourDistance: z.array(z.number()),
  /** Training label of each neighbour, -1 when the training set is unlabelled. */
  neighbourLabel: z.array(z.number().int()),
  /** Carlini's calibrated distance, and distance to the nearest test image (null without one). */
  calibrated: z.array(z.number()),
  testD1: z.array(z.number()).nullable(),
  authentic: z.array(z.boolean()).nullable(),
  /** Source names (image file paths, "<file>[i]" for arrays, "arr_0[i]" for runs). */
  names: z.array(z.string()),
});
export type AuditColumns = z.infer<typeof AuditColumns>;

/** Empirical-score runs: the training images with the largest softmax weights w_i(delta, x). */
export const AuditTopWeights = z.object({
  /** OU time the weights were taken at (the run's delta). */
  t: z.number(),
  /** Training data of the run ("name:split", first `used` items). */
  data: z.string(),
  used: z.number().int(),
  k: z.number().int(),
  indices: z.array(z.number().int()),
  weights: z.array(z.number()),
});
export type AuditTopWeights = z.infer<typeof AuditTopWeights>;

export const AuditDetail = z.object({
  id: z.string(),
  dir: z.string(),
  title: z.string(),
  created: z.string(),
  params: z.record(z.string(), z.unknown()),
  environment: z.record(z.string(), z.unknown()),
  timings: z.record(z.string(), z.number()),
  source: AuditSource,
  train: AuditSplitInfo,
  test: AuditSplitInfo.nullable(),
  metrics: AuditMetricsInfo,
  /** Histogram of d1/d2 on [0, 1]: `bins` equal bins, counts per bin. */
  ratioHistogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) }),
  columns: AuditColumns,
  topWeights: AuditTopWeights.nullable(),
  files: z.array(z.string()),
});
export type AuditDetail = z.infer<typeof AuditDetail>;

export const AuditListItem = z.object({
  id: z.string(),
  title: z.string(),
  created: z.string(),
  summary: z.record(z.string(), z.unknown()),
});
export type AuditListItem = z.infer<typeof AuditListItem>;

export const AuditThresholdSummary = z.object({
  threshold: z.number(),
  memorizedFraction: z.number(),
  memorizedCI: Interval,
  memorizedCount: z.number().int(),
  count: z.number().int(),
  perClass: z.array(ClassRow).nullable(),
});
export type AuditThresholdSummary = z.infer<typeof AuditThresholdSummary>;

/** The metrics an AuditSummary repeats from the full report, with C_T and authenticity as bare numbers. */
export type AuditHeadline = Pick<
  AuditSummary,
  'memorizedFraction' | 'memorizedCI' | 'memorizedCount' | 'medianD1' | 'medianRatio' | 'ct' | 'authenticity' | 'precision' | 'recall' | 'coverage'
>;

/** What auditHeadline reads: metrics.json (AuditMetricsInfo) or the engine's AuditReport. */
type HeadlineSource = Omit<AuditHeadline, 'ct' | 'authenticity'> & {
  ct: { value: number | null } | null;
  authenticity: { fraction: number } | null;
};

/** The headline numbers of a full audit report (the job's summary, the CLI's --json). */
export function auditHeadline(m: HeadlineSource): AuditHeadline {
  return {
    memorizedFraction: m.memorizedFraction,
    memorizedCI: m.memorizedCI,
    memorizedCount: m.memorizedCount,
    medianD1: m.medianD1,
    medianRatio: m.medianRatio,
    ct: m.ct?.value ?? null,
    authenticity: m.authenticity?.fraction ?? null,
    precision: m.precision,
    recall: m.recall,
    coverage: m.coverage,
  };
}

/** The memorised fraction, interval and per-class rows at the audit's own threshold (no new bootstrap). */
export function savedThresholdSummary(m: AuditMetricsInfo): AuditThresholdSummary {
  return { threshold: m.threshold, memorizedFraction: m.memorizedFraction, memorizedCI: m.memorizedCI, memorizedCount: m.memorizedCount, count: m.count, perClass: m.perClass };
}

export const auditExportKinds = ['html', 'gallery', 'csv', 'metrics', 'samples', 'neighbours'] as const;
export const AuditExportKind = z.enum(auditExportKinds);
export type AuditExportKind = z.infer<typeof AuditExportKind>;

/** Which gallery rows an export shows: chosen rows, else the `top` most memorised (lowest d1/d2). */
const GallerySelection = {
  rows: z.array(z.number().int().nonnegative()).max(1000).optional(),
  top: z.number().int().min(1).max(1000).default(48),
  threshold: AuditThreshold.optional(),
};

export const AuditExportRequest = z
  .object({
    id: AuditId,
    /** Folder to write into (created if missing). */
    out: z.string().min(1, 'out: give a folder to write the exports into'),
    kinds: z.array(AuditExportKind).min(1).default([...auditExportKinds]),
    ...GallerySelection,
  })
  .strict();
export type AuditExportRequest = z.infer<typeof AuditExportRequest>;

/** The job kind of an audit (JobInfo.kind). */
export const auditJobKind = 'audit.run';

export const auditCalls = {
  /** Job; result: AuditSummary. */
  'audit.start': { request: AuditRequest, response: jobStarted(auditJobKind) },
  'audit.list': { request: z.object({}).strict().default({}), response: z.object({ audits: z.array(AuditListItem) }) },
  'audit.show': { request: z.object({ id: AuditId }).strict(), response: AuditDetail },
  /** Memorised fraction, its bootstrap CI and the per-class table at another threshold. */
  'audit.summary': {
    request: z.object({ id: AuditId, threshold: AuditThreshold }).strict(),
    response: AuditThresholdSummary,
  },
  /** Writes exports into a folder (CLI --out, Electron's save dialog); browsers use res/audit/<id>/export/<kind>. */
  'audit.export': {
    request: AuditExportRequest,
    response: z.object({ files: z.array(z.object({ kind: AuditExportKind, path: z.string(), bytes: z.number().int() })) }),
  },
} as const;
