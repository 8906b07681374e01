/**
 * Experiment "memorisation vs N" (`scorescope reproduce memorisation-vs-n`): the same U-Net trained
 * on the first N images of one dataset for several N, each sampled from the same initial noise and
 * audited against its own N training images, beside the empirical optimal score s_N (which copies
 * at every N). The known result to compare with: EDM's U-Net on CIFAR-10 memorises almost every
 * sample when trained on about a thousand images and none at 50 000 (Gu et al., TMLR 2025).
 */
import { z } from 'zod';
import { DatasetRef } from './datasets';
import { Horizon } from './early-stopping';
import { Seed, finite } from './fields';
import { MemorisationNumbers } from './nearest-summary';
import { UNetPreset } from './training';

/**
 * Full run: N = 16 .. 1024 with the small U-Net at full resolution (hours on a CPU, minutes on a
 * GPU). Quick: the tiny U-Net on N = 16 and 256 images average-pooled to half their side (CIFAR-10 at
 * 16 x 16), the same steps for both, about 20 minutes on this project's 2-core CI machine (wasm):
 * enough to copy 16 images, not 256.
 */
export const MEMORIZATION_VS_N_DEFAULTS = {
  full: { Ns: [16, 64, 256, 1024], preset: 'small', trainSteps: 6000, batch: 32, lr: 0.002, n: 64, downsample: 1 },
  quick: { Ns: [16, 256], preset: 'tiny', trainSteps: 1250, batch: 32, lr: 0.005, n: 32, downsample: 2 },
} as const;

export const MemorizationVsNRequest = z
  .object({
    /** An image dataset of the workspace ("name" or "name:split"); default the first CIFAR-10 found, split train. */
    data: DatasetRef.optional(),
    class: z.string().min(1).max(200).optional().describe('use one class only: its name or index'),
    quick: z.boolean().default(false).describe('N = 16, 256 with the tiny U-Net: about 20 minutes on a 2-core CPU'),
    Ns: z.array(z.number().int().min(2).max(1_000_000)).min(1).max(12).optional().describe('training-set sizes (default 16, 64, 256, 1024; quick 16, 256)'),
    preset: UNetPreset.optional().describe('U-Net size (default small; quick tiny)'),
    trainSteps: z.number().int().min(1).max(1_000_000).optional().describe('Adam steps per network (default 6000; quick 1250)'),
    batch: z.number().int().min(1).max(4096).optional().describe('training batch (default 32)'),
    lr: finite().positive().max(1).optional().describe('peak learning rate (default 0.002; quick 0.005)'),
    n: z.number().int().min(2).max(4096).optional().describe('samples per N (default 64; quick 32)'),
    downsample: z.number().int().min(1).max(8).optional().describe('average-pool the images by this factor first (default 1; quick 2: CIFAR-10 at 16x16)'),
    /** EDM Heun steps from sigma(T) to sigma(delta). */
    steps: z.number().int().min(2).max(1000).default(18).describe('EDM Heun sampling steps'),
    delta: finite().min(1e-4).max(1).default(0.002).describe('stop sampling at OU time delta (sigma(delta) = 0.063 for 0.002)'),
    T: Horizon.default(5),
    seed: Seed.default(0),
  })
  .strict()
  .refine((r) => r.Ns === undefined || new Set(r.Ns).size === r.Ns.length, { message: 'Ns must be distinct', path: ['Ns'] });
export type MemorizationVsNRequest = z.infer<typeof MemorizationVsNRequest>;

export const MemorizationAtN = z.object({
  N: z.number().int(),
  /** The train-score run of this N. */
  model: z.string(),
  finalLoss: z.number(),
  trainSeconds: z.number(),
  learned: MemorisationNumbers.extend({ memorizedCI: z.tuple([z.number(), z.number()]) }),
  empirical: MemorisationNumbers.extend({ memorizedCI: z.tuple([z.number(), z.number()]) }),
});
export type MemorizationAtN = z.infer<typeof MemorizationAtN>;

export const MemorizationVsNResult = z.object({
  run: z.string(),
  dir: z.string(),
  summary: z.record(z.string(), z.unknown()),
  rows: z.array(MemorizationAtN),
  /** Distances' unit (L2 on pixels scaled to [0, 1]). */
  distanceUnits: z.string(),
  figures: z.array(z.string()),
});
export type MemorizationVsNResult = z.infer<typeof MemorizationVsNResult>;
