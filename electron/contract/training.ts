/**
 * Training a score network in-app (a run of kind 'train-score'): what it takes, its defaults and
 * what it returns. Two networks: an MLP for vector data (D <= 64) and a U-Net for images.
 */
import { z } from 'zod';
import { Horizon } from './early-stopping';
import { RunId, Seed, TrainingDataRef, finite, refusal } from './fields';

/** Largest data dimension the MLP is trained on (vector data; images take the U-Net). */
export const LEARNED_MAX_DIMENSION = 64;

export const ScoreNetwork = z.enum(['mlp', 'unet']).describe('mlp (vector data, D <= 64) or unet (images); default: unet for images, mlp for vectors');
export type ScoreNetwork = z.infer<typeof ScoreNetwork>;

/**
 * U-Net presets; parameter counts for 32x32x3 images (CIFAR-10). Measured on this project's 2-core
 * CI machine, wasm backend, batch 64: tiny ~28 images/s, small ~10 images/s (bench/training.bench.ts).
 */
export const UNET_PRESETS = {
  tiny: { channels: 16, channelMultipliers: [1, 2, 2], resBlocks: 1, attention: false, parameters: 251_843 },
  small: { channels: 32, channelMultipliers: [1, 2, 2], resBlocks: 1, attention: false, parameters: 998_275 },
  medium: { channels: 64, channelMultipliers: [1, 2, 2], resBlocks: 2, attention: true, parameters: 5_943_107 },
  large: { channels: 80, channelMultipliers: [1, 2, 2], resBlocks: 2, attention: true, parameters: 9_278_483 },
} as const;
export const UNetPreset = z.enum(['tiny', 'small', 'medium', 'large']).describe('U-Net size: tiny 0.25 M, small 1.0 M, medium 5.9 M, large 9.3 M parameters (32x32x3)');
export type UNetPreset = z.infer<typeof UNetPreset>;

/** The network a dataset trains when the request names none: a U-Net for images, the MLP for vectors. */
export function defaultNetwork(kind: 'images' | 'vectors'): ScoreNetwork {
  return kind === 'images' ? 'unet' : 'mlp';
}

/** Why a dataset cannot be used with a network kind here; null when it can. */
export function learnedScoreRefusal(ref: string, kind: 'images' | 'vectors', itemShape: readonly number[], network: ScoreNetwork = defaultNetwork(kind)): string | null {
  const D = itemShape.reduce((a, b) => a * b, 1);
  if (network === 'unet' && (kind !== 'images' || itemShape.length !== 3)) return `the U-Net takes images; dataset ${ref} holds ${itemShape.join('x')} vectors (use --model mlp)`;
  if (network === 'mlp' && D > LEARNED_MAX_DIMENSION) {
    return `the MLP score network takes vectors with D <= ${LEARNED_MAX_DIMENSION}; dataset ${ref} has D = ${D}${kind === 'images' ? ' (images: use --model unet)' : ''}`;
  }
  return null;
}

/**
 * Defaults per network. MLP: trains the paper's 2-D set (N = 100) to a score that memorises about
 * as little as the exact Gaussian score in about 15 s (wasm, 2 cores). U-Net: DDPM-like settings
 * scaled to small data (Adam 1e-3 with warm-up, clipping at 1, EMA 0.999).
 */
export const TRAIN_SCORE_DEFAULTS = {
  mlp: { steps: 3000, batch: 256, lr: 0.002, warmup: 0, ema: 0, checkpointEvery: 0 },
  unet: { steps: 2000, batch: 16, lr: 0.001, warmup: 100, ema: 0.999, checkpointEvery: 200 },
  width: 128, depth: 3, T: 5, tMin: 0.001, clip: 1, preset: 'small',
} as const;

/**
 * Trains a noise predictor eps_theta(x, t) by denoising score matching
 * (electron/science/training/train-score.ts); the run (kind 'train-score') holds weights.npz.
 * Fields without a default take the network's (TRAIN_SCORE_DEFAULTS).
 */
export const TrainScoreRequest = z
  .object({
    /** Training data, "name" or "name:split" (not needed with resume). */
    data: TrainingDataRef.optional(),
    subset: z.number().int().min(2).max(10_000_000).optional().describe('train on the first N items (of the class, with --class)'),
    class: z.string().min(1).max(200).optional().describe('train on one class only: its name or index (datasets with labels)'),
    model: ScoreNetwork.optional(),
    preset: UNetPreset.optional(),
    channels: z.number().int().min(4).max(512).optional().describe('U-Net: channels of the first level (overrides the preset)'),
    channelMultipliers: z.array(z.number().int().min(1).max(16)).min(1).max(6).optional().describe('U-Net: channels of each level as multiples of --channels, e.g. 1,2,2'),
    resBlocks: z.number().int().min(1).max(8).optional().describe('U-Net: residual blocks per level'),
    attention: z.boolean().optional().describe('U-Net: self-attention at the lowest resolution'),
    width: z.number().int().min(2).max(1024).default(TRAIN_SCORE_DEFAULTS.width).describe('MLP: units per hidden layer'),
    depth: z.number().int().min(1).max(8).default(TRAIN_SCORE_DEFAULTS.depth).describe('MLP: hidden layers'),
    steps: z.number().int().min(1).max(1_000_000).optional().describe('Adam steps (default 3000 MLP, 2000 U-Net)'),
    batch: z.number().int().min(1).max(8192).optional().describe('items per step (default 256 MLP, 16 U-Net)'),
    lr: finite().positive().max(1).optional().describe('peak learning rate (default 0.002 MLP, 0.001 U-Net); cosine decay to lr / 20'),
    warmup: z.number().int().min(0).max(1_000_000).optional().describe('steps of linear learning-rate warm-up (default 0 MLP, 100 U-Net)'),
    clip: finite().positive().default(TRAIN_SCORE_DEFAULTS.clip).describe('largest global gradient norm'),
    ema: finite().min(0).max(0.99999).optional().describe('EMA decay of the weights used for sampling, 0 for none (default 0 MLP, 0.999 U-Net)'),
    flips: z.boolean().default(false).describe('random left-right flips of training images'),
    /** Training times are log-uniform on [tMin, T]. */
    T: Horizon.default(TRAIN_SCORE_DEFAULTS.T),
    tMin: finite().positive().default(TRAIN_SCORE_DEFAULTS.tMin),
    seed: Seed.default(0),
    checkpointEvery: z.number().int().min(0).max(1_000_000).optional().describe('steps between checkpoints in the workspace, 0 for none (default 200 U-Net)'),
    resume: RunId.optional().describe('continue the interrupted training with this run id from its last checkpoint (other options come from the checkpoint)'),
  })
  .strict()
  .refine((r) => r.tMin < r.T, { message: 'tMin must be below T', path: ['tMin'] })
  .refine((r) => r.data !== undefined || r.resume !== undefined, refusal('data', 'data is required (or resume, to continue a training)', ['data', 'resume']));
export type TrainScoreRequest = z.infer<typeof TrainScoreRequest>;

export const TrainScoreSummary = z.object({
  /** Smoothed (EMA 0.99) loss, mean over coordinates of (eps_theta - z)^2, at the end; a network predicting 0 scores 1. */
  finalLoss: z.number(),
  steps: z.number().int(),
  parameters: z.number().int(),
  seconds: z.number(),
  dimension: z.number().int(),
  /** The training data ("name:split (N=...)", or a description of synthetic data). */
  data: z.string(),
  trainingItems: z.number().int(),
  /** 'mlp' or 'unet' (absent in runs written before the U-Net: 'mlp'). */
  network: ScoreNetwork.optional(),
  /** Training items per second over the last session. */
  itemsPerSecond: z.number().optional(),
  /** The tfjs backend it trained on. */
  backend: z.string().optional(),
  /** Step the training resumed from (absent when it ran in one go). */
  resumedFrom: z.number().int().optional(),
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
