/**
 * Draws a run's samples with the sampler it names and returns them in DATA coordinates:
 * - OU samplers (sde, ei, ode, heun) and the direct KDE return OU coordinates at delta,
 *   x_OU ~ e^{-delta} y + h(delta) z for the empirical score; they are rescaled by e^{delta}
 *   (x = e^{delta} x_OU ~ y + sigma(delta) z, sigma = sqrt(e^{2 delta} - 1)), the same form the
 *   EDM sampler returns. The shrink e^{-delta} is a property of the OU parametrisation, not of the
 *   generated content; removing it makes runs of every sampler comparable in pixel space.
 * - edm: Heun in noise level over `steps` Karras intervals from sigma(T) down to sigma(delta)
 *   (rho = 7), stopped there: data coordinates already.
 * - cifar-kde: the paper's pixel-space KDE (docs/math.md §4) on the stored pixels [0, 255], Scott's
 *   diagonal bandwidth times `factor`, clipped; mapped to the model space [-1, 1].
 * Noise is row-keyed (samplers/sample.ts): sample i is the same whatever the batch size, and
 * `seed` alone fixes the initial noise, so runs that differ only in delta share their starts.
 */
import type { SampleRequest } from '../../contract/sampling';
import type { JobContext } from '../../science/job-context';
import { ou } from '../../science/forward-process';
import { createRowNoise, noiseStreams } from '../../science/noise';
import { hooksFromContext, sample, type SampleSpec } from '../../science/samplers/sample';
import { edmStepSigmas } from '../../science/grids';
import { sampleCifarKde, scottBandwidth } from '../../science/samplers/kde';
import { buildScore, type ScoreInputs } from './score-choice';
import type { TrainingData } from './training-data';

export interface DrawnSamples {
  /** Row-major [n, D], model space (images in [-1, 1]), data coordinates. */
  values: Float32Array;
  /** How the stored samples relate to the sampler's output. */
  coordinates: string;
  /** Score built (null for samplers that use the data directly). */
  scoreDescription: string | null;
  /** Schedule stepped through: kind, length and end points (all of it when short). */
  schedule: { kind: string; points: number; first: number; last: number; values?: number[] };
  scoreEvaluations: number;
}

/** Rows per batch: large for low-dimensional data (cheap rows), 64 for images (memory). */
function batchSizeFor(D: number, n: number): number {
  return D <= 16 ? Math.min(n, 1024) : 64;
}

function describeSchedule(kind: string, s: ArrayLike<number>): DrawnSamples['schedule'] {
  const values = Array.from(s);
  return { kind, points: values.length, first: values[0]!, last: values.at(-1)!, ...(values.length <= 201 ? { values } : {}) };
}

function drawCifarKde(req: SampleRequest, data: TrainingData, ctx: JobContext | undefined, from: number, to: number): DrawnSamples {
  if (!data.pixels) throw new Error(`sampler cifar-kde works on images in [0, 255]; dataset ${data.ref} holds vectors (use kde)`);
  const D = data.matrix.cols;
  const pixels = { values: data.pixels, rows: data.used, cols: D };
  const bandwidth = scottBandwidth(pixels);
  const out = new Float32Array(req.n * D);
  const batch = 64;
  const batches = Math.ceil(req.n / batch);
  for (let b = 0; b < batches; b++) {
    ctx?.throwIfCancelled();
    const first = b * batch;
    const rows = Math.min(batch, req.n - first);
    const t = sampleCifarKde(pixels, rows, createRowNoise(req.seed, noiseStreams.picks, first, rows), { factor: req.factor, bandwidth });
    try {
      const v = t.dataSync();
      for (let i = 0; i < v.length; i++) out[first * D + i] = v[i]! / 127.5 - 1;
    } finally {
      t.dispose();
    }
    ctx?.progress(from + ((to - from) * (b + 1)) / batches, `batch ${b + 1}/${batches}`);
  }
  let meanBw = 0;
  for (const v of bandwidth) meanBw += v;
  return {
    values: out,
    coordinates: 'pixels: a training image + N(0, factor * H) in [0, 255], clipped, mapped to [-1, 1] as v / 127.5 - 1',
    scoreDescription: null,
    schedule: { kind: `Scott bandwidth (mean ${(meanBw / D).toFixed(3)} of 255) x sqrt(factor ${req.factor})`, points: 0, first: 0, last: 0 },
    scoreEvaluations: 0,
  };
}

/** `inputs`: the trained network (score 'learned'), the smoothing (score 'smoothed') or the patch (score 'local'), settled by the caller. */
export function drawSamples(req: SampleRequest, data: TrainingData, ctx: JobContext | undefined, from: number, to: number, inputs: ScoreInputs = {}): DrawnSamples {
  if (req.sampler === 'cifar-kde') return drawCifarKde(req, data, ctx, from, to);
  const D = data.matrix.cols;
  const sampler = req.sampler;
  const spec: SampleSpec = {
    sampler, n: req.n, dimension: D, seed: req.seed, samplerSeed: req.samplerSeed ?? req.seed, batchSize: batchSizeFor(D, req.n),
    T: req.T, delta: req.delta, steps: req.steps, grid: req.grid,
    // edm: `steps` Heun steps over Karras levels (rho 7) from sigma(T) down to sigma(delta)
    ...(sampler === 'edm' ? { sigmas: edmStepSigmas(req.steps, ou.sigmaOfT(req.delta), ou.sigmaOfT(req.T)) } : {}),
  };
  const built = sampler === 'kde' ? null : buildScore(req.score, data.matrix, inputs);
  const hooks = hooksFromContext(ctx, 'step', from, to);
  let run: ReturnType<typeof sample>;
  try {
    run = sample(built ? { score: built.score } : { data: data.matrix }, spec, hooks);
  } finally {
    built?.score.dispose();
  }
  if (run.coordinates === 'ou') {
    const scale = ou.veScale(req.delta);
    for (let i = 0; i < run.samples.length; i++) run.samples[i] = run.samples[i]! * scale;
  }
  const kind = sampler === 'edm' ? 'EDM/Karras noise levels (rho 7)' : sampler === 'kde' ? 'direct KDE at delta' : `${req.grid} OU-time grid`;
  return {
    values: run.samples,
    coordinates: run.coordinates === 'ou'
      ? 'data: the OU output at delta times e^delta (x = e^delta x_OU; for s_N this is a training point + sigma(delta) z)'
      : 'data: the EDM output at the last noise level sigma(delta) (a training point + sigma z for s_N)',
    scoreDescription: built?.description ?? null,
    schedule: describeSchedule(kind, run.schedule),
    scoreEvaluations: run.scoreEvaluations,
  };
}
