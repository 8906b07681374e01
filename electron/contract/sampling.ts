/**
 * Sampling runs, the paper's experiments and the runs store.
 *
 * Early stopping is ONE control seen two ways (docs/math.md §3): delta, or the KDE bandwidth
 * h = sqrt(1 - e^{-2 delta}); a request gives one of them (or neither: delta = 0.001), never both.
 * Every run is an engine job that ends in a folder <workspace>/runs/<id> (run.json + files); the
 * job's result is small (run id, headline numbers, 2-D points), images travel as resources.
 */
import { z } from 'zod';
import { jobStarted } from './jobs';
import { DatasetRef } from './datasets';
import { Delta, EDM_MAX_T, Horizon, earlyStopFields, withEarlyStop } from './early-stopping';
import { experiments } from './experiments';
import { MemorisationNumbers } from './nearest-summary';
import { MemorizationVsNRequest } from './memorization-vs-n';
import { RunId, Seed, Steps, TrainingDataRef, finite, refusal } from './fields';
import { TRAIN_SCORE_DEFAULTS, TrainScoreRequest, learnedScoreRefusal } from './training';

export { DEFAULT_DELTA } from './early-stopping';


/**
 * Which score drives the reverse process: the empirical optimal score s_N, the exact score of a
 * Gaussian fitted to the data, a network trained in-app by denoising score matching (`model`),
 * s_N smoothed over Gaussian perturbations of x (docs/math.md §6, Scarvelis et al.; `smoothing`), or
 * the local patch score machine on images (docs/math.md §6, Kamb & Ganguli's LS; `patch`).
 */
export const scoreChoices = ['empirical', 'gaussian', 'learned', 'smoothed', 'local'] as const;
export type ScoreChoice = (typeof scoreChoices)[number];

/** Score "smoothed": perturbations per evaluation when a request gives none (antithetic pairs). */
export const DEFAULT_SMOOTHING_DRAWS = 8;

/**
 * Score "local": the side k of the k x k patches when a request gives none: the odd number nearest
 * a third of the shorter image side (11 for 32 x 32; why: electron/jobs/runs/score-choice.ts).
 */
export function defaultLocalPatch(itemShape: readonly number[]): number {
  const side = Math.min(itemShape[0] ?? 1, itemShape[1] ?? 1);
  return 2 * Math.max(0, Math.round((side / 3 - 1) / 2)) + 1;
}

/**
 * The one id of each sampler, in requests, run.json, the CLI and the engine (docs/math.md §2-4):
 * sde: reverse-SDE Euler–Maruyama; ei: exponential integrator; ode: probability-flow Euler;
 * heun: probability-flow Heun; edm: EDM Heun in noise level; kde: the KDE p_delta^N drawn
 * directly; cifar-kde: the paper's pixel-space KDE with Scott's bandwidth (images only).
 */
export const samplerChoices = ['sde', 'ei', 'ode', 'heun', 'edm', 'kde', 'cifar-kde'] as const;
export type SamplerChoice = (typeof samplerChoices)[number];
/** Samplers that step an OU-time grid with a score (the delta sweep and learned-vs-empirical use these). */
export const ouSamplerChoices = ['sde', 'ei', 'ode', 'heun'] as const;
export type OuSamplerChoice = (typeof ouSamplerChoices)[number];
/** Samplers of the engine's `sample` (cifar-kde works on stored pixels, apart). */
export type EngineSamplerChoice = Exclude<SamplerChoice, 'cifar-kde'>;

/** Time grids from T down to delta: uniform, geometric (log-spaced), edm (Karras levels, rho 7, as OU times). */
export const gridChoices = ['uniform', 'geometric', 'edm'] as const;
export type GridChoice = (typeof gridChoices)[number];



export const SampleRequest = withEarlyStop(z
  .object({
    /** Training data, "name" or "name:split". */
    data: TrainingDataRef,
    /** Use the first N items of the split (default: all). */
    subset: z.number().int().min(2).max(10_000_000).optional().describe('use the first N items of the split (default all)'),
    score: z.enum(scoreChoices).default('empirical').describe('the score that drives the sampler'),
    /** Score "learned": the train-score run whose network drives the sampler. */
    model: RunId.optional().describe('score learned: the train-score run whose network samples'),
    /**
     * Score "smoothed": sigma of the Gaussian perturbations of x, data units (model units for
     * images); default the median nearest-neighbour spacing of the training items.
     */
    smoothing: finite().positive('smoothing must be positive: the standard deviation sigma of the perturbations, data units').optional()
      .describe('score smoothed: sigma of the perturbations, data units (default the median nearest-neighbour spacing)'),
    /** Score "smoothed": perturbations per evaluation M, even (antithetic pairs eps, -eps); default 8. */
    smoothingDraws: z.number().int().min(2, 'smoothingDraws must be at least 2 (one antithetic pair)').max(4096).optional()
      .describe('score smoothed: perturbations per evaluation, even (default 8)'),
    /**
     * Score "local" (images only): the side k of the square patches each pixel is matched on, odd,
     * at most 2 max(H, W) - 1 (which covers the whole image from every pixel: s_N); default about a
     * third of the image side (defaultLocalPatch: 11 for 32 x 32).
     */
    patch: z.number().int().min(1, 'patch must be at least 1').max(255).optional()
      .describe('score local (images): patch side k, odd (default about a third of the image side)'),
    sampler: z.enum(samplerChoices).default('sde'),
    /** Early stopping, delta or bandwidth (OU samplers, kde; edm stops at sigma(delta)); resolved by withEarlyStop. */
    ...earlyStopFields,
    /** cifar-kde: multiplies Scott's covariance (the paper used 0.1 .. 100). */
    factor: finite().positive().max(1e6).default(1).describe("cifar-kde: multiplies Scott's covariance"),
    T: Horizon.default(5).describe('horizon of the reverse process'),
    steps: Steps.default(100),
    grid: z.enum(gridChoices).default('geometric').describe('OU-time grid from T down to delta'),
    n: z.number().int().min(1).max(50_000).default(64).describe('samples'),
    /** Seed of the initial noise (and KDE picks): the same seed gives the same starting points. */
    seed: Seed.default(0).describe('seed of the initial noise'),
    /** Seed of the per-step noise; default `seed`. */
    samplerSeed: Seed.optional().describe('seed of the per-step noise (default --seed)'),
  })
  .strict()
  .refine((r) => r.sampler !== 'edm' || r.T <= EDM_MAX_T, refusal('T',
    `sampler "edm" starts at noise level sigma(T) = sqrt(e^{2T} - 1): T must be at most ${EDM_MAX_T} (sigma 4.9e8); beyond it float32 loses the data under the noise`,
    ['sampler=edm']))
  .refine((r) => r.score === 'empirical' || (r.sampler !== 'kde' && r.sampler !== 'cifar-kde'), {
    message: 'the kde samplers draw from the training set directly: use score "empirical" with them',
    path: ['score'],
  })
  .refine((r) => r.score !== 'learned' || r.model !== undefined, refusal('model',
    'score "learned" needs model <run id> of a train-score run (see `scorescope runs list --kind train-score`, or train one with `scorescope train-score --data NAME`)',
    ['score=learned', 'model']))
  .refine((r) => r.model === undefined || r.score === 'learned', refusal('model', 'model is only used with score "learned"', ['model', 'score=learned']))
  .refine((r) => r.smoothing === undefined || r.score === 'smoothed', refusal('smoothing', 'smoothing is only used with score "smoothed"', ['smoothing', 'score=smoothed']))
  .refine((r) => r.smoothingDraws === undefined || r.score === 'smoothed',
    refusal('smoothingDraws', 'smoothingDraws is only used with score "smoothed"', ['smoothingDraws', 'score=smoothed']))
  .refine((r) => r.patch === undefined || r.score === 'local', refusal('patch', 'patch is only used with score "local"', ['patch', 'score=local']))
  .refine((r) => r.patch === undefined || r.patch % 2 === 1, {
    message: 'patch must be odd: the k x k patch is centred on its pixel',
    path: ['patch'],
  })
  .refine((r) => r.smoothingDraws === undefined || r.smoothingDraws % 2 === 0, {
    message: 'smoothingDraws must be even: the perturbations come in antithetic pairs (eps, -eps)',
    path: ['smoothingDraws'],
  }));
/** A parsed sample request: early stopping resolved (delta, bandwidth, earlyStopGiven). */
export type SampleRequest = z.infer<typeof SampleRequest>;

/**
 * Headline memorisation numbers (docs/math.md §5): d1/d2 < 1/3 criterion, nearest-neighbour
 * distances (images: L2 on pixels scaled to [0, 1], as the audit; vectors: data units).
 */

const Pair = z.tuple([z.number(), z.number()]);

/**
 * The density the run's sampler targets, on a regular grid over the 2-D view (engine-computed; the
 * renderer only draws it). For the empirical score stopped at delta this is the KDE p_delta^N
 * (docs/math.md §3) in the coordinates the samples are shown in: a mixture of isotropic Gaussians of
 * standard deviation `kernelStd` around the (projected) training points. For data of dimension
 * > 2 it is the exact marginal over coordinates 0 and 1 (the mixture is isotropic).
 * Cell (i, j) covers [x0 + i dx, x0 + (i+1) dx] x [y0 + j dy, y0 + (j+1) dy] with
 * dx = (x[1] - x[0]) / nx, dy = (y[1] - y[0]) / ny; values[j * nx + i] is the density AVERAGED over
 * that cell (probability mass / area, so kernels narrower than a cell still show), divided by the
 * largest cell's (max = 1), 4 significant digits, below 1e-6 stored as 0.
 */
export const KdeDensityGrid = z.object({
  x: Pair,
  y: Pair,
  nx: z.number().int().positive(),
  ny: z.number().int().positive(),
  /** Row-major, ny rows of nx (row 0 at y[0]); relative to the largest cell (max = 1). */
  values: z.array(z.number()),
  /** Absolute density of the largest cell (per unit area of the view): values * peak = density. */
  peak: z.number(),
  /** The KDE bandwidth h(delta) = sqrt(1 - e^{-2 delta}) (OU coordinates). */
  bandwidth: z.number(),
  /** Standard deviation of each Gaussian as drawn (view coordinates; sigma(delta) = e^delta h for data coordinates). */
  kernelStd: z.number(),
  /** Centres in the mixture, and training items in the run (fewer centres: an even-stride subsample). */
  centres: z.number().int(),
  trainingItems: z.number().int(),
});
export type KdeDensityGrid = z.infer<typeof KdeDensityGrid>;

/** 2-D views of a vector run: the first two coordinates of training points and samples. */
export const RunPoints = z.object({
  /** Named point sets: "training points", "samples", ... */
  sets: z.array(z.object({ name: z.string(), points: z.array(Pair) })),
  /** Radius of the KDE kernel around each training point, in data units (null when not a KDE). */
  kernelRadius: z.number().nullable(),
  /** Dimension of the data (the points show coordinates 0 and 1). */
  dimension: z.number().int(),
  /** The target KDE's density on a grid (null when the run targets no KDE; absent in older runs). */
  density: KdeDensityGrid.nullable().default(null),
});
export type RunPoints = z.infer<typeof RunPoints>;

/** Result of a sample.start job. */
export const SampleRunResult = z.object({
  run: z.string(),
  dir: z.string(),
  dataKind: z.enum(['images', 'vectors']),
  /** Per-sample shape: [H, W, C] or [D]. */
  itemShape: z.array(z.number().int()),
  n: z.number().int(),
  delta: z.number().nullable(),
  bandwidth: z.number().nullable(),
  summary: MemorisationNumbers,
  /** The unit of the summary's distances: "L2 on pixels scaled to [0, 1]" (images, as the audit) or "data units". */
  distanceUnits: z.string(),
  timings: z.record(z.string(), z.number()),
  /** Vector data only (null for images: use the run's sheet resources). */
  points: RunPoints.nullable(),
  /** Score "smoothed": the sigma and M used; `spacing` is the training set's median nearest-neighbour distance when sigma defaulted to it. */
  smoothing: z.object({ sigma: z.number(), draws: z.number().int(), spacing: z.number().nullable() }).nullable().optional(),
  /** Score "local": the patch side k used. */
  patch: z.number().int().nullable().optional(),
  /** What a reader of the numbers should know, e.g. a network sampled outside its training range of t. */
  warnings: z.array(z.string()).optional(),
});
export type SampleRunResult = z.infer<typeof SampleRunResult>;

export const Gaussian2dExperimentRequest = z
  .object({
    nTrain: z.number().int().min(2).max(10_000).default(100).describe('training points'),
    nSamples: z.number().int().min(1).max(100_000).default(1000).describe('samples'),
    /** The paper: T = 5, h = 0.0005, so 10 000 steps. */
    steps: Steps.default(10_000),
    T: Horizon.default(5),
    /** Early stopping (0, the paper's setting: the last step lands on t = 0; else at least MIN_DELTA). */
    delta: z.union([z.literal(0), Delta]).default(0),
    sampler: z.enum(['sde', 'ei']).default('sde'),
    seed: Seed.default(0),
  })
  .strict()
  .refine((r) => r.delta < r.T, { message: 'delta must be below T', path: ['delta'] });
export type Gaussian2dExperimentRequest = z.infer<typeof Gaussian2dExperimentRequest>;

export const ScoreErrorRequest = z
  .object({
    /** Training-set sizes (the paper: 100, 200, ..., 2000). */
    Ns: z.array(z.number().int().min(2).max(100_000)).min(2).max(200).default(Array.from({ length: 20 }, (_, i) => 100 * (i + 1)))
      .describe('training-set sizes'),
    sets: z.number().int().min(1).max(100).default(10).describe('training sets per size'),
    T: Horizon.default(5),
    h: finite().positive().default(0.02).describe('spacing of the times t at which the error is measured'),
    samplesPerTime: z.number().int().min(1).max(100_000).default(1000).describe('x ~ p_t draws per time'),
    seed: Seed.default(0),
  })
  .strict()
  .refine((r) => r.h <= r.T, { message: 'h must not exceed T', path: ['h'] });
export type ScoreErrorRequest = z.infer<typeof ScoreErrorRequest>;

export const DEFAULT_SWEEP_DELTAS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];

export const DeltaSweepRequest = z
  .object({
    /** Training data; default the paper's 2-D Gaussian training set (N = 100 from N((-5, 5), 10 I)). */
    data: DatasetRef.optional(),
    subset: z.number().int().min(2).max(10_000_000).optional(),
    deltas: z.array(Delta).min(1).max(50).default(DEFAULT_SWEEP_DELTAS).describe('early-stopping times, comma-separated'),
    n: z.number().int().min(1).max(50_000).default(200),
    steps: Steps.default(100),
    grid: z.enum(gridChoices).default('geometric'),
    T: Horizon.default(5),
    sampler: z.enum(ouSamplerChoices).default('sde'),
    seed: Seed.default(0),
    /** Monte Carlo draws for the KDE's mutual information at each delta (0 skips it). */
    miDraws: z.number().int().min(0).max(100_000).default(256).describe("Monte Carlo draws for the KDE's mutual information (0 skips it)"),
  })
  .strict()
  .refine((r) => r.deltas.every((d) => d < r.T), { message: 'every delta must be below T', path: ['deltas'] });
export type DeltaSweepRequest = z.infer<typeof DeltaSweepRequest>;

/**
 * The paper's thesis in one run: a network trained by denoising score matching and the empirical
 * optimal score s_N, on the same training set, sampled from the SAME initial noise (same sampler,
 * steps, delta). Default data: the paper's 2-D set (N = 100 from N((-5, 5), 10 I)).
 */
export const LearnedVsEmpiricalRequest = withEarlyStop(z
  .object({
    data: DatasetRef.optional(),
    subset: z.number().int().min(2).max(10_000_000).optional(),
    /** Reuse this train-score run instead of training (its data dimension must match). */
    model: RunId.optional().describe('reuse this train-score run instead of training'),
    /** Training steps when no model is given (the other training settings: scores.train defaults). */
    trainSteps: z.number().int().min(1).max(200_000).default(TRAIN_SCORE_DEFAULTS.mlp.steps).describe('training steps when no --model is given'),
    n: z.number().int().min(1).max(50_000).default(1000),
    steps: Steps.default(200),
    grid: z.enum(gridChoices).default('geometric'),
    sampler: z.enum(ouSamplerChoices).default('sde'),
    ...earlyStopFields,
    T: Horizon.default(5),
    seed: Seed.default(0),
  })
  .strict());
export type LearnedVsEmpiricalRequest = z.infer<typeof LearnedVsEmpiricalRequest>;

export const Cifar10ExperimentRequest = z
  .object({
    /** A CIFAR-10 dataset of the workspace; default the first one found. */
    data: DatasetRef.optional(),
    /** First N training images (default all 50 000, as the paper). */
    subset: z.number().int().min(2).max(10_000_000).optional(),
    n: z.number().int().min(1).max(1024).default(16),
    seed: Seed.default(20),
    /** Karras levels (18), stopped `stopEarly` (2) steps before sigma = 0. */
    steps: z.number().int().min(2).max(1000).default(18).describe('Karras noise levels'),
    stopEarly: z.number().int().min(0).max(999).default(2).describe('levels dropped at the end (before sigma = 0)'),
    sigmaMin: finite().positive().default(0.002),
    sigmaMax: finite().positive().default(80),
    rho: finite().positive().default(7),
  })
  .strict()
  .refine((r) => r.stopEarly < r.steps, { message: 'stopEarly must be below steps', path: ['stopEarly'] })
  .refine((r) => r.sigmaMin < r.sigmaMax, { message: 'sigmaMin must be below sigmaMax', path: ['sigmaMin'] });
export type Cifar10ExperimentRequest = z.infer<typeof Cifar10ExperimentRequest>;

/** What every experiment job returns: its run, its headline numbers, and chart data when small. */
export const Gaussian2dExperimentResult = z.object({
  run: z.string(),
  dir: z.string(),
  summary: z.record(z.string(), z.unknown()),
  train: z.array(Pair),
  empirical: MemorisationNumbers.extend({ samples: z.array(Pair), variance: Pair }),
  gaussian: MemorisationNumbers.extend({ samples: z.array(Pair), variance: Pair }),
  figures: z.array(z.string()),
});
export type Gaussian2dExperimentResult = z.infer<typeof Gaussian2dExperimentResult>;

export const LearnedVsEmpiricalResult = z.object({
  run: z.string(),
  dir: z.string(),
  /** The train-score run that was trained (or reused). */
  model: z.string(),
  summary: z.record(z.string(), z.unknown()),
  /** Coordinates 0 and 1 of the training points and of the samples (data units). */
  train: z.array(Pair),
  learned: MemorisationNumbers.extend({ samples: z.array(Pair) }),
  empirical: MemorisationNumbers.extend({ samples: z.array(Pair) }),
  /** Relative L2 error against the exact score of the synthetic target, per t (null for workspace data). */
  scoreError: z.array(z.object({ t: z.number(), learned: z.number(), empirical: z.number() })).nullable(),
  /** Images: the network's relative L2 error against s_N per t, at x_t of the training images (absent for vectors). */
  errorAgainstEmpirical: z.array(z.object({ t: z.number(), relativeError: z.number() })).optional(),
  /** Memorised fractions' 95% bootstrap intervals (images). */
  memorizedCI: z.object({ learned: z.tuple([z.number(), z.number()]), empirical: z.tuple([z.number(), z.number()]) }).optional(),
  figures: z.array(z.string()),
});
export type LearnedVsEmpiricalResult = z.infer<typeof LearnedVsEmpiricalResult>;

export const ScoreErrorResult = z.object({
  run: z.string(),
  dir: z.string(),
  summary: z.record(z.string(), z.unknown()),
  Ns: z.array(z.number()),
  meanError: z.array(z.number()),
  standardError: z.array(z.number()),
  slope: z.number(),
  intercept: z.number(),
  figures: z.array(z.string()),
});
export type ScoreErrorResult = z.infer<typeof ScoreErrorResult>;

export const DeltaSweepRow = MemorisationNumbers.extend({
  delta: z.number(),
  bandwidth: z.number(),
  /** h(delta) sqrt(D), the leftover noise's expected norm, in the same unit as the distances (summary.distanceUnits). */
  expectedNoiseNorm: z.number(),
  /** I(training index; output) of the KDE at delta, nats (at most log N); null when skipped. */
  mutualInformation: z.number().nullable(),
  mutualInformationSE: z.number().nullable(),
});
export const DeltaSweepResult = z.object({
  run: z.string(),
  dir: z.string(),
  summary: z.record(z.string(), z.unknown()),
  rows: z.array(DeltaSweepRow),
  figures: z.array(z.string()),
});
export type DeltaSweepResult = z.infer<typeof DeltaSweepResult>;

export const Cifar10ExperimentResult = z.object({
  run: z.string(),
  dir: z.string(),
  summary: z.record(z.string(), z.unknown()),
  n: z.number().int(),
  itemShape: z.array(z.number().int()),
  figures: z.array(z.string()),
});
export type Cifar10ExperimentResult = z.infer<typeof Cifar10ExperimentResult>;

/** run.json as stored (electron/workspace/runs.ts RunManifest). */
export const RunInfo = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  created: z.string(),
  params: z.record(z.string(), z.unknown()),
  environment: z.record(z.string(), z.unknown()),
  timings: z.record(z.string(), z.number()),
  summary: z.record(z.string(), z.unknown()),
  files: z.array(z.string()),
  /** How the files were made: coordinates, schedules, noise streams, dataset identity. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type RunInfo = z.infer<typeof RunInfo>;

/** Nearest training items of each sample (neighbours.json), for overlays and captions. */
export const RunNeighbours = z.object({
  /** Units of the distances: "L2 on pixels scaled to [0, 1]" (images; older runs "[-1, 1] model units") or "data units". */
  units: z.string(),
  index: z.array(z.number().int()),
  d1: z.array(z.number()),
  d2: z.array(z.number()),
  /** True when the arrays were cut to the first `index.length` samples. */
  truncated: z.boolean(),
});
export type RunNeighbours = z.infer<typeof RunNeighbours>;

export const RunDetail = RunInfo.extend({
  dir: z.string(),
  points: RunPoints.nullable(),
  neighbours: RunNeighbours.nullable(),
});
export type RunDetail = z.infer<typeof RunDetail>;

const IdRequest = z.object({ id: RunId }).strict();

/** Job kinds of this feature (JobInfo.kind), as the handlers start them and the engine runs them. */
export const samplingJobKinds = {
  sample: 'sample',
  gaussian2d: experiments.gaussian2d.call,
  scoreError: experiments.scoreError.call,
  deltaSweep: experiments.deltaSweep.call,
  cifar10: experiments.cifar10.call,
  trainScore: 'scores.train',
  learnedVsEmpirical: experiments.learnedVsEmpirical.call,
  memorizationVsN: experiments.memorizationVsN.call,
} as const;

export const samplingCalls = {
  /** Job; result: SampleRunResult. */
  'sample.start': { request: SampleRequest, response: jobStarted(samplingJobKinds.sample) },
  /** Job; result: Gaussian2dExperimentResult. */
  'experiments.gaussian2d': { request: Gaussian2dExperimentRequest, response: jobStarted(samplingJobKinds.gaussian2d) },
  /** Job; result: ScoreErrorResult. */
  'experiments.scoreError': { request: ScoreErrorRequest, response: jobStarted(samplingJobKinds.scoreError) },
  /** Job; result: DeltaSweepResult. */
  'experiments.deltaSweep': { request: DeltaSweepRequest, response: jobStarted(samplingJobKinds.deltaSweep) },
  /** Job; result: Cifar10ExperimentResult. */
  'experiments.cifar10': { request: Cifar10ExperimentRequest, response: jobStarted(samplingJobKinds.cifar10) },
  /** Job; result: TrainScoreResult. */
  'scores.train': { request: TrainScoreRequest, response: jobStarted(samplingJobKinds.trainScore) },
  /** Job; result: LearnedVsEmpiricalResult. */
  'experiments.learnedVsEmpirical': { request: LearnedVsEmpiricalRequest, response: jobStarted(samplingJobKinds.learnedVsEmpirical) },
  /** Job; result: MemorizationVsNResult. */
  'experiments.memorizationVsN': { request: MemorizationVsNRequest, response: jobStarted(samplingJobKinds.memorizationVsN) },
  'runs.list': {
    request: z.object({ kind: z.string().max(64).optional() }).strict().default({}),
    response: z.object({ runs: z.array(RunInfo) }),
  },
  'runs.show': { request: IdRequest, response: RunDetail },
  'runs.remove': { request: IdRequest, response: z.object({ id: z.string(), removed: z.literal(true) }) },
} as const;
