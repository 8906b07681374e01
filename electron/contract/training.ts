/**
 * Training a score network in-app (a run of kind 'train-score'): what it takes, its defaults and
 * what it returns.
 */
import { z } from 'zod';
import { Horizon } from './early-stopping';
import { Seed, TrainingDataRef, finite } from './fields';

/** Largest data dimension a learned score is trained on (vector data; images would need conv nets). */
export const LEARNED_MAX_DIMENSION = 64;

/** Why a dataset cannot train (or be sampled with) a learned score here; null when it can. */
export function learnedScoreRefusal(ref: string, kind: 'images' | 'vectors', itemShape: readonly number[]): string | null {
  const D = itemShape.reduce((a, b) => a * b, 1);
  const why = `learned scores are trained on vector data here (D <= ${LEARNED_MAX_DIMENSION})`;
  if (kind === 'images') return `${why}; dataset ${ref} holds ${itemShape.join('x')} images`;
  if (D > LEARNED_MAX_DIMENSION) return `${why}; dataset ${ref} has D = ${D}`;
  return null;
}

/**
 * Training defaults: they train the paper's 2-D set (N = 100) to a score that memorises about as
 * little as the exact Gaussian score, in about 15 s on the wasm backend (2 cores).
 */
export const TRAIN_SCORE_DEFAULTS = { steps: 3000, batch: 256, width: 128, depth: 3, lr: 0.002, T: 5, tMin: 0.001 } as const;

/**
 * Trains an MLP noise predictor eps_theta(x, t) on a vector dataset by denoising score matching
 * (electron/science/training/train-score.ts); the run (kind 'train-score') holds weights.npz.
 */
export const TrainScoreRequest = z
  .object({
    /** Vector training data (D <= 64), "name" or "name:split". */
    data: TrainingDataRef,
    subset: z.number().int().min(2).max(10_000_000).optional(),
    /** Adam steps (about 5 ms each for width 128, batch 256 on the wasm backend: bench/learned.bench.ts). */
    steps: z.number().int().min(1).max(200_000).default(TRAIN_SCORE_DEFAULTS.steps),
    batch: z.number().int().min(1).max(8192).default(TRAIN_SCORE_DEFAULTS.batch),
    width: z.number().int().min(2).max(1024).default(TRAIN_SCORE_DEFAULTS.width),
    depth: z.number().int().min(1).max(8).default(TRAIN_SCORE_DEFAULTS.depth),
    /** Peak learning rate; cosine decay to lr / 20. */
    lr: finite().positive().max(1).default(TRAIN_SCORE_DEFAULTS.lr),
    /** Training times are log-uniform on [tMin, T]. */
    T: Horizon.default(TRAIN_SCORE_DEFAULTS.T),
    tMin: finite().positive().default(TRAIN_SCORE_DEFAULTS.tMin),
    seed: Seed.default(0),
  })
  .strict()
  .refine((r) => r.tMin < r.T, { message: 'tMin must be below T', path: ['tMin'] });
export type TrainScoreRequest = z.infer<typeof TrainScoreRequest>;

export const TrainScoreSummary = z.object({
  /** Smoothed (EMA 0.99) loss mean ||eps_theta - z||^2 at the end; a network predicting 0 scores D. */
  finalLoss: z.number(),
  steps: z.number().int(),
  parameters: z.number().int(),
  seconds: z.number(),
  dimension: z.number().int(),
  /** The training data ("name:split", or a description of synthetic data). */
  data: z.string(),
  trainingItems: z.number().int(),
});
export type TrainScoreSummary = z.infer<typeof TrainScoreSummary>;

/** Result of a scores.train job. */
export const TrainScoreResult = z.object({
  run: z.string(),
  dir: z.string(),
  summary: TrainScoreSummary,
  figures: z.array(z.string()),
});
export type TrainScoreResult = z.infer<typeof TrainScoreResult>;
