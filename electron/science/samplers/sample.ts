/**
 * One entry point over all samplers (the "run" job): draws n samples in batches, with
 * row-keyed noise so sample i is the same whatever the batch size:
 *   initial noise  <- (seed, stream initial, row i)
 *   sampler noise  <- (samplerSeed ?? seed, stream sampler, row i)
 *   KDE picks/noise <- (seed, stream picks, row i)
 * Holding `seed` and changing `samplerSeed` gives the same starting points with new step noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../job-context';
import type { EngineSamplerChoice, GridChoice } from '../../contract/sampling';
import { timeGrid } from '../grids';
import { createRowNoise, noiseStreams } from '../noise';
import type { DataMatrix } from '../data-matrix';
import type { Score } from '../scores/score';
import { sampleEdmHeun } from './edm';
import { sampleKde } from './kde';
import { sampleOdeEuler, sampleOdeHeun } from './ode';
import { sampleEulerMaruyama, sampleExponentialIntegrator } from './sde';
import type { StepHooks } from './steps';

export interface SampleSpec {
  /** The contract's sampler id (cifar-kde is samplers/kde.ts sampleCifarKde, apart). */
  sampler: EngineSamplerChoice;
  /** Number of samples. */
  n: number;
  /** Dimension D of a sample (checked against the data when given). */
  dimension: number;
  /** Seed of the initial noise (and of KDE picks). */
  seed: number;
  /** Seed of the per-step noise of stochastic samplers; defaults to `seed`. */
  samplerSeed?: number;
  /** Rows per batch (memory bound); default 64. */
  batchSize?: number;
  /** OU samplers: horizon T (default 5), early stopping delta, steps and grid kind (default uniform); kde: delta. */
  T?: number;
  delta?: number;
  steps?: number;
  grid?: GridChoice;
  /** edm: the noise levels to step through, decreasing (grids.ts edmStepSigmas, or samplers/edm.ts edmSchedule). */
  sigmas?: ArrayLike<number>;
}

export interface SampleSource {
  /** Required by every sampler except 'kde'. */
  score?: Score;
  /** Required by 'kde' (the training set, already scaled). */
  data?: DataMatrix;
}

export interface SampleResult {
  /** Row-major [n, dimension]. */
  samples: Float32Array;
  n: number;
  dimension: number;
  /** 'ou': OU coordinates at time delta; 've': data coordinates at the last sigma (EDM). */
  coordinates: 'ou' | 've';
  /** The OU times (or, for EDM, the noise levels) that were stepped through. */
  schedule: number[];
  /** Score evaluations per sample (0 for the KDE). */
  scoreEvaluations: number;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`sample: ${what} is required for this sampler`);
  return value;
}

/** The schedule a spec asks for: OU times from T to delta, or EDM noise levels. */
export function scheduleFor(spec: SampleSpec): Float64Array {
  if (spec.sampler === 'edm') return Float64Array.from(required(spec.sigmas, 'sigmas'));
  if (spec.sampler === 'kde') return Float64Array.of(required(spec.delta, 'delta'));
  return timeGrid(spec.grid ?? 'uniform', spec.T ?? 5, required(spec.delta, 'delta'), required(spec.steps, 'steps'));
}

function evaluationsPerStep(sampler: EngineSamplerChoice): number {
  return sampler === 'heun' || sampler === 'edm' ? 2 : sampler === 'kde' ? 0 : 1;
}

/** Draws the samples a spec describes. Hooks see the step count over all batches. */
export function sample(source: SampleSource, spec: SampleSpec, hooks: StepHooks = {}): SampleResult {
  const { n, dimension: D } = spec;
  if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(D) || D < 1) throw new Error(`sample: dimension must be a positive integer, got ${D}`);
  const batchSize = spec.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`sample: batchSize must be a positive integer, got ${batchSize}`);
  if (source.data && source.data.cols !== D) throw new Error(`sample: the data have dimension ${source.data.cols}, the spec says ${D}`);
  const schedule = scheduleFor(spec);
  const stepsPerBatch = spec.sampler === 'kde' ? 1 : schedule.length - 1;
  const batches = Math.ceil(n / batchSize);
  const total = batches * stepsPerBatch;
  const samples = new Float32Array(n * D);
  const samplerSeed = spec.samplerSeed ?? spec.seed;

  for (let b = 0; b < batches; b++) {
    const first = b * batchSize;
    const rows = Math.min(batchSize, n - first);
    const batchHooks: StepHooks = { onStep: (step) => hooks.onStep?.(b * stepsPerBatch + step, total) };
    let out: tf.Tensor2D;
    if (spec.sampler === 'kde') {
      const data = required(source.data, 'data');
      out = sampleKde(data, rows, schedule[0]!, createRowNoise(spec.seed, noiseStreams.picks, first, rows));
      batchHooks.onStep?.(1, 1);
    } else {
      const score = required(source.score, 'score');
      const y0 = createRowNoise(spec.seed, noiseStreams.initial, first, rows).normal([rows, D]) as tf.Tensor2D;
      try {
        const stepNoise = createRowNoise(samplerSeed, noiseStreams.sampler, first, rows);
        switch (spec.sampler) {
          case 'sde':
            out = sampleEulerMaruyama(score, y0, schedule, stepNoise, batchHooks);
            break;
          case 'ei':
            out = sampleExponentialIntegrator(score, y0, schedule, stepNoise, batchHooks);
            break;
          case 'ode':
            out = sampleOdeEuler(score, y0, schedule, batchHooks);
            break;
          case 'heun':
            out = sampleOdeHeun(score, y0, schedule, batchHooks);
            break;
          case 'edm':
            out = sampleEdmHeun(score, y0, schedule, batchHooks);
            break;
        }
      } finally {
        y0.dispose();
      }
    }
    try {
      samples.set(out.dataSync(), first * D);
    } finally {
      out.dispose();
    }
  }
  return {
    samples,
    n,
    dimension: D,
    coordinates: spec.sampler === 'edm' ? 've' : 'ou',
    schedule: Array.from(schedule),
    scoreEvaluations: stepsPerBatch * evaluationsPerStep(spec.sampler),
  };
}

/** Step hooks that report progress to a job and stop it within one step when cancelled. */
export function hooksFromContext(ctx: JobContext | undefined, label = 'step', from = 0, to = 1): StepHooks {
  if (!ctx) return {};
  return {
    onStep(step, of) {
      ctx.throwIfCancelled();
      ctx.progress(from + ((to - from) * step) / of, `${label} ${step}/${of}`);
    },
  };
}
