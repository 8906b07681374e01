/**
 * Sampling runs through the engine tasks in-process (the worker runs the same functions):
 * run folders hold run.json + samples.npz that numpy-style readers accept; delta and bandwidth are
 * one control; seeds pair runs; cancel leaves no folder; no tensor outlives a run. Plus the runs
 * resources (sprite sheets, files) and the handlers' early checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { samplingTasks } from '../../electron/jobs/tasks/sampling';
import { JobCancelled, detachedContext, type JobContext } from '../../electron/science/job-context';
import { ou } from '../../electron/science/forward-process';
import { resolveEarlyStop } from '../../electron/contract/early-stopping';
import { synthDataset } from '../../electron/workspace/datasets';
import { readRun } from '../../electron/workspace/runs';
import { readNpz } from '../../native-data';
import { writeNpy } from '../../native-data';
import { importDataset } from '../../electron/workspace/datasets';
import { resolveResource } from '../../electron/hosts/resources';
import {
  Cifar10ExperimentRequest, DeltaSweepRequest, LearnedVsEmpiricalRequest, SampleRequest, experimentById, experimentKeys, experimentOfRunKind, experiments, samplingJobKinds,
  type SampleRunResult, type Cifar10ExperimentResult,
} from '../../electron/contract';

let ws = '';
let imagesDir = '';

/** A job context that cancels itself after `after` progress reports. */
function cancellingContext(after: number): JobContext & { reports: number } {
  const controller = new AbortController();
  const ctx = {
    reports: 0,
    signal: controller.signal,
    progress() {
      ctx.reports++;
      if (ctx.reports >= after) controller.abort();
    },
    throwIfCancelled() {
      if (controller.signal.aborted) throw new JobCancelled();
    },
  };
  return ctx;
}

async function sampleRun(request: Record<string, unknown>, ctx: JobContext = detachedContext()): Promise<SampleRunResult> {
  return (await samplingTasks['sample']!({ ...SampleRequest.parse(request), workspace: ws }, ctx)) as SampleRunResult;
}

async function samplesOf(r: SampleRunResult) {
  return (await readNpz(join(r.dir, 'samples.npz')))['arr_0']!;
}

beforeAll(async () => {
  await useTestBackend();
  ws = mkdtempSync(join(tmpdir(), 'ss-sampling-'));
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
  // a tiny image dataset: 40 random 8x8 RGB images, through the ordinary .npy import
  imagesDir = mkdtempSync(join(tmpdir(), 'ss-sampling-src-'));
  const pixels = new Uint8Array(40 * 8 * 8 * 3);
  let s = 12345;
  for (let i = 0; i < pixels.length; i++) pixels[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  await writeNpy(join(imagesDir, 'tiny.npy'), pixels, [40, 8, 8, 3]);
  await importDataset(ws, join(imagesDir, 'tiny.npy'), { name: 'tiny' });
});

afterAll(() => {
  rmSync(ws, { recursive: true, force: true });
  rmSync(imagesDir, { recursive: true, force: true });
});

describe('delta and bandwidth are one control', () => {
  it('derives one from the other and round-trips', () => {
    for (const delta of [1e-5, 1e-3, 0.05, 1.7]) {
      const fromDelta = resolveEarlyStop({ delta, T: 5 });
      expect(fromDelta.bandwidth).toBeCloseTo(Math.sqrt(1 - Math.exp(-2 * delta)), 12);
      const back = resolveEarlyStop({ bandwidth: fromDelta.bandwidth, T: 5 });
      expect(back.delta / delta).toBeCloseTo(1, 9);
      expect(back.given).toBe('bandwidth');
    }
    expect(resolveEarlyStop({ T: 5 }).given).toBe('default');
  });

  it('refuses both, NaN, and a bandwidth whose delta is past T', () => {
    expect(() => resolveEarlyStop({ delta: 0.01, bandwidth: 0.1, T: 5 })).toThrow(/not both/);
    const both = SampleRequest.safeParse({ data: 'g2', delta: 0.01, bandwidth: 0.1 });
    expect(both.success).toBe(false);
    expect(JSON.stringify(both.error?.issues)).toMatch(/not both/);
    expect(SampleRequest.safeParse({ data: 'g2', delta: Number.NaN }).success).toBe(false);
    expect(SampleRequest.safeParse({ data: 'g2', bandwidth: Number.NaN }).success).toBe(false);
    expect(SampleRequest.safeParse({ data: 'g2', bandwidth: 1 }).success).toBe(false);
    expect(() => resolveEarlyStop({ bandwidth: 0.99999, T: 5 })).toThrow(/delta = 5\.\d+.*not below T = 5/);
  });

  it('is resolved once, by the schema: the parsed request carries delta, bandwidth and which was given', () => {
    const h = Math.sqrt(1 - Math.exp(-2 * 0.02)); // closed form, not the code under test
    const byH = SampleRequest.parse({ data: 'g2', bandwidth: h });
    expect(byH.delta).toBeCloseTo(0.02, 12);
    expect(byH.bandwidth).toBe(h);
    expect(byH.earlyStopGiven).toBe('bandwidth');
    const byDefault = SampleRequest.parse({ data: 'g2' });
    expect([byDefault.delta, byDefault.earlyStopGiven]).toEqual([0.001, 'default']);
    expect(byDefault.bandwidth).toBeCloseTo(Math.sqrt(1 - Math.exp(-0.002)), 12);
    const past = SampleRequest.safeParse({ data: 'g2', bandwidth: 0.99999 });
    expect(past.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['bandwidth', expect.stringMatching(/not below T = 5/)]]);
  });

  it('refuses a delta below what the float32 engine resolves, and EDM beyond T = 20', () => {
    const tiny = SampleRequest.safeParse({ data: 'g2', delta: 1e-300 });
    expect(tiny.error?.issues[0]?.message).toMatch(/delta must be at least 0\.000001/);
    expect(SampleRequest.safeParse({ data: 'g2', delta: 1e-6 }).success).toBe(true);
    // a bandwidth is refused by the delta it means (h(1e-7) = sqrt(2e-7) ~ 4.5e-4)
    expect(SampleRequest.safeParse({ data: 'g2', bandwidth: 4.5e-4 }).error?.issues[0]?.message).toMatch(/means delta = .*at least/);
    expect(SampleRequest.safeParse({ data: 'g2', sampler: 'edm', T: 30 }).error?.issues[0]?.message).toMatch(/T must be at most 20/);
    expect(SampleRequest.safeParse({ data: 'g2', sampler: 'sde', T: 30 }).success).toBe(true);
    expect(LearnedVsEmpiricalRequest.safeParse({ delta: 1e-9 }).success).toBe(false);
    expect(DeltaSweepRequest.safeParse({ deltas: [0.01, 1e-9] }).success).toBe(false);
  });
});

describe('one table of experiments', () => {
  it('gives every experiment one call, run kind and CLI id', () => {
    expect(experimentById('delta-sweep')).toMatchObject({ key: 'deltaSweep', call: 'experiments.deltaSweep', runKind: 'experiment:delta-sweep' });
    expect(experimentOfRunKind('experiment:learned-vs-empirical')).toBe('learnedVsEmpirical');
    for (const key of experimentKeys) expect(samplingJobKinds[key]).toBe(experiments[key].call);
  });
});

describe('sampling runs (engine task in-process)', () => {
  it('writes run.json and samples.npz (float32 [n, D]) for vectors, leaking no tensors', async () => {
    const start = tf.memory().numTensors;
    const r = await sampleRun({ data: 'g2', sampler: 'sde', delta: 0.001, steps: 100, n: 50 });
    expect(tf.memory().numTensors).toBe(start);
    const arr = await samplesOf(r);
    expect(arr.shape).toEqual([50, 2]);
    expect(arr.data).toBeInstanceOf(Float32Array);
    const run = await readRun(ws, r.run);
    expect(run.kind).toBe('sample');
    expect(run.files).toEqual(expect.arrayContaining(['samples.npz', 'neighbours.json', 'points.json', 'figure-samples.svg']));
    expect(run.params).toMatchObject({ data: 'g2:train', sampler: 'sde', seed: 0, samplerSeed: 0, delta: 0.001, steps: 100, n: 50 });
    expect(run.params['bandwidth']).toBeCloseTo(ou.bandwidth(0.001), 12);
    expect(run.environment).toMatchObject({ backend: expect.any(String), device: expect.any(String), versions: { app: expect.any(String), tfjs: tf.version_core } });
    expect(Object.keys(run.timings)).toEqual(expect.arrayContaining(['load', 'sample', 'neighbours', 'write', 'total']));
    // small delta with s_N: samples sit on training points (memorised, d1 ~ leftover noise)
    expect(r.summary.memorizedFraction).toBeGreaterThan(0.8);
    expect(r.points?.sets[1]?.points).toHaveLength(50);
    expect(r.points?.kernelRadius).toBeCloseTo(ou.sigmaOfT(0.001), 12);
    expect(readFileSync(join(r.dir, 'figure-samples.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('the same seed gives identical samples; another samplerSeed keeps the start but changes the path', async () => {
    const base = { data: 'g2', sampler: 'sde', delta: 0.01, steps: 40, n: 20, seed: 7 };
    const a = (await samplesOf(await sampleRun(base))).data as Float32Array;
    const b = (await samplesOf(await sampleRun(base))).data as Float32Array;
    expect(Array.from(b)).toEqual(Array.from(a));
    const c = (await samplesOf(await sampleRun({ ...base, samplerSeed: 8 }))).data as Float32Array;
    expect(Array.from(c)).not.toEqual(Array.from(a));
    // deterministic ODE: the step noise is unused, so only `seed` matters
    const odeA = (await samplesOf(await sampleRun({ ...base, sampler: 'ode' }))).data as Float32Array;
    const odeB = (await samplesOf(await sampleRun({ ...base, sampler: 'ode', samplerSeed: 99 }))).data as Float32Array;
    expect(Array.from(odeB)).toEqual(Array.from(odeA));
  });

  it('bandwidth h gives the same run as delta(h)', async () => {
    const h = 0.1;
    const byH = await sampleRun({ data: 'g2', sampler: 'kde', bandwidth: h, n: 30 });
    const byDelta = await sampleRun({ data: 'g2', sampler: 'kde', delta: ou.deltaForBandwidth(h), n: 30 });
    expect(byH.delta).toBeCloseTo(ou.deltaForBandwidth(h), 14);
    expect(Array.from((await samplesOf(byH)).data as Float32Array)).toEqual(Array.from((await samplesOf(byDelta)).data as Float32Array));
    expect((await readRun(ws, byH.run)).params['earlyStopGiven']).toBe('bandwidth');
  });

  it('image runs store uint8 NHWC samples, the nearest training images and a pairs figure', async () => {
    const start = tf.memory().numTensors;
    const r = await sampleRun({ data: 'tiny', sampler: 'ei', delta: 1e-4, steps: 30, n: 6, grid: 'geometric' });
    expect(tf.memory().numTensors).toBe(start);
    const arr = await samplesOf(r);
    expect(arr.shape).toEqual([6, 8, 8, 3]);
    expect(arr.data).toBeInstanceOf(Uint8Array);
    expect(r.points).toBeNull();
    expect(r.summary.memorizedFraction).toBe(1);
    const nearest = await readNpz(join(r.dir, 'nearest.npz'));
    expect(nearest['arr_0']!.shape).toEqual([6, 8, 8, 3]);
    // at delta = 1e-4 the leftover noise is h * 127.5 ~ 1.8 grey levels: each sample is its nearest image
    const s = arr.data as Uint8Array;
    const t = nearest['arr_0']!.data as Uint8Array;
    let worst = 0;
    for (let i = 0; i < s.length; i++) worst = Math.max(worst, Math.abs(s[i]! - t[i]!));
    expect(worst).toBeLessThan(12);
    // distances in the audit's unit: L2 on pixels scaled to [0, 1], here by brute force on the stored bytes
    const nb = JSON.parse(readFileSync(join(r.dir, 'neighbours.json'), 'utf8')) as { units: string; d1: number[] };
    expect(nb.units).toBe('L2 on pixels scaled to [0, 1]');
    expect(r.distanceUnits).toBe(nb.units);
    const D = 8 * 8 * 3;
    const d1 = Array.from({ length: 6 }, (_, i) => {
      let sq = 0;
      for (let j = 0; j < D; j++) sq += ((s[i * D + j]! - t[i * D + j]!) / 255) ** 2;
      return Math.sqrt(sq);
    });
    for (let i = 0; i < 6; i++) expect(nb.d1[i]).toBeCloseTo(d1[i]!, 5);
    const sorted = [...d1].sort((a, b) => a - b);
    expect(r.summary.medianNearestDistance).toBeCloseTo((sorted[2]! + sorted[3]!) / 2, 5);
    const run = await readRun(ws, r.run);
    expect(run.summary['distanceUnits']).toBe('L2 on pixels scaled to [0, 1]');
    expect(run.files).toEqual(expect.arrayContaining(['figure-nearest.png', 'nearest.npz', 'neighbours.json']));
    expect((run as unknown as { details: { samples: { dtype: string } } }).details.samples.dtype).toBe('uint8');
  });

  it('cifar-kde and edm run on images; the Gaussian score fits in any dimension', async () => {
    const kde = await sampleRun({ data: 'tiny', sampler: 'cifar-kde', factor: 0.01, n: 5 });
    expect((await samplesOf(kde)).shape).toEqual([5, 8, 8, 3]);
    const edm = await sampleRun({ data: 'tiny', sampler: 'edm', score: 'gaussian', delta: 0.01, steps: 10, n: 4 });
    expect((await samplesOf(edm)).shape).toEqual([4, 8, 8, 3]);
    expect(edm.summary.memorizedFraction).toBeLessThan(1);
  });

  it('a cancelled run leaves no run folder and no tensors', async () => {
    const start = tf.memory().numTensors;
    const before = readdirSync(join(ws, 'runs'));
    const ctx = cancellingContext(5);
    await expect(sampleRun({ data: 'g2', sampler: 'sde', delta: 0.001, steps: 2000, n: 100 }, ctx)).rejects.toThrow(JobCancelled);
    expect(readdirSync(join(ws, 'runs'))).toEqual(before);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('the cifar10 experiment task writes samples, neighbours, figures and a table', async () => {
    const r = (await samplingTasks['experiments.cifar10']!({ ...Cifar10ExperimentRequest.parse({ data: 'tiny', n: 4, steps: 8, stopEarly: 2 }), workspace: ws }, detachedContext())) as Cifar10ExperimentResult;
    const run = await readRun(ws, r.run);
    expect(run.files).toEqual(expect.arrayContaining(['samples.npz', 'nearest.npz', 'neighbours.json', 'figure-nearest.png', 'figure-ratios.svg', 'table.csv', 'table.json']));
    expect(run.summary['memorizedFraction']).toBe(1);
    expect((await readNpz(join(r.dir, 'samples.npz')))['arr_0']!.shape).toEqual([4, 8, 8, 3]);
  });
});

describe('runs resources', () => {
  it('serves sample and nearest sprite sheets as PNG, and run files', async () => {
    const r = await sampleRun({ data: 'tiny', sampler: 'kde', delta: 1e-4, n: 5 });
    const sheet = await resolveResource(['runs', r.run, 'sheet', '0'], new URLSearchParams({ count: '8', scale: '2' }), ws);
    expect(sheet?.contentType).toBe('image/png');
    const meta = await sharp(Buffer.from(sheet!.body)).metadata();
    expect([meta.width, meta.height]).toEqual([8 * 8 * 2, 8 * 2]);
    // the first cell equals sample 0 (raw RGBA decode of the unscaled sheet)
    const plain = await resolveResource(['runs', r.run, 'sheet', '0'], new URLSearchParams({ count: '5' }), ws);
    const px = await sharp(Buffer.from(plain!.body)).raw().toBuffer({ resolveWithObject: true });
    const samples = (await samplesOf(r)).data as Uint8Array;
    expect([px.data[0], px.data[1], px.data[2], px.data[3]]).toEqual([samples[0], samples[1], samples[2], 255]);
    const nearest = await resolveResource(['runs', r.run, 'sheet', '0'], new URLSearchParams({ count: '5', of: 'nearest' }), ws);
    expect(nearest?.contentType).toBe('image/png');
    const file = await resolveResource(['runs', r.run, 'file', 'samples.npz'], new URLSearchParams({ download: '1' }), ws);
    expect(file?.filename).toBe(`${r.run}-samples.npz`);
    expect(await resolveResource(['runs', r.run, 'file', 'run.json'], new URLSearchParams(), ws)).not.toBeNull();
    expect(await resolveResource(['runs', r.run, 'file', 'nope.txt'], new URLSearchParams(), ws)).toBeNull();
    expect(await resolveResource(['runs', 'not-a-run', 'file', 'run.json'], new URLSearchParams(), ws)).toBeNull();
    expect(await resolveResource(['runs', r.run, 'sheet', '0'], new URLSearchParams({ of: 'other' }), ws)).toBeNull();
  });
});
