/**
 * The paper's experiments at small scale (docs/math.md §4, §7): the empirical score copies training
 * points and the exact Gaussian score does not; the score error falls like 1/N; copies fade as
 * delta grows; cancellation stops a run within a step and leaks nothing.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { JobCancelled, type JobContext } from '../../electron/science/job-context';
import { gaussian2d, gaussian2dTrainingSet } from '../../electron/science/experiments/gaussian2d';
import { scoreErrorVsN, fitLine } from '../../electron/science/experiments/score-error';
import { deltaSweep } from '../../electron/science/experiments/delta-sweep';
import { exactNearestTwo } from '../../electron/science/experiments/nearest';
import { summarizeNearest } from '../../electron/science/metrics/memorization';
import { median } from '../../electron/science/metrics/stats';

beforeAll(async () => {
  await useTestBackend();
});

/** A job context that records progress and cancels itself after `cancelAfter` progress reports. */
function testContext(cancelAfter = Infinity): JobContext & { reports: number[] } {
  const controller = new AbortController();
  const reports: number[] = [];
  return {
    reports,
    signal: controller.signal,
    progress(fraction) {
      reports.push(fraction);
      if (reports.length >= cancelAfter) controller.abort();
    },
    throwIfCancelled() {
      if (controller.signal.aborted) throw new JobCancelled();
    },
  };
}

describe('experiments', () => {
  it('gaussian2d: the empirical score memorises, the Gaussian score does not (same noise)', async () => {
    const start = tf.memory().numTensors;
    const ctx = testContext();
    const r = await gaussian2d({ nSamples: 400, steps: 1000 }, ctx);
    expect(r.train.length).toBe(100);
    expect(r.empirical.samples.length).toBe(400);
    expect(r.empirical.memorizedFraction).toBeGreaterThan(0.6);
    expect(r.gaussian.memorizedFraction).toBeLessThan(0.25);
    expect(r.empirical.medianNearestDistance).toBeLessThan(r.gaussian.medianNearestDistance / 3);
    // the Gaussian run samples N((-5, 5), 10 I): per-axis variance 10 within sampling error
    for (const v of r.gaussian.variance) expect(Math.abs(v / 10 - 1)).toBeLessThan(5 * Math.sqrt(2 / 400));
    expect(ctx.reports.at(-1)).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('gaussian2d is reproducible and cancellable mid-run without leaks', async () => {
    const start = tf.memory().numTensors;
    const a = await gaussian2d({ nSamples: 50, steps: 50, seed: 3 });
    const b = await gaussian2d({ nSamples: 50, steps: 50, seed: 3 });
    expect(b.empirical.samples).toEqual(a.empirical.samples);
    expect(b.train).toEqual(a.train);
    const ctx = testContext(10);
    await expect(gaussian2d({ nSamples: 50, steps: 200 }, ctx)).rejects.toThrow(JobCancelled);
    expect(ctx.reports.length).toBe(10); // stopped at the first check after cancelling
    expect(tf.memory().numTensors).toBe(start);
  });

  it('scoreErrorVsN: the error falls like 1/N (log-log slope near -1) on a small run', async () => {
    const r = await scoreErrorVsN({ Ns: [50, 100, 200, 400], sets: 2, h: 0.1, samplesPerTime: 200 });
    expect(r.meanError.length).toBe(4);
    for (let i = 1; i < 4; i++) expect(r.meanError[i]!).toBeLessThan(r.meanError[i - 1]!);
    expect(r.slope).toBeGreaterThan(-1.35);
    expect(r.slope).toBeLessThan(-0.65);
    expect(fitLine([0, 1, 2], [1, 3, 5])).toEqual({ slope: 2, intercept: 1 });
  });

  it('deltaSweep: copies fade as delta grows (same noise at every delta)', async () => {
    const train = gaussian2dTrainingSet(100, [-5, 5], 10, 0);
    const r = await deltaSweep({ values: train, rows: 100, cols: 2 }, [0.0005, 0.01, 0.3], { n: 300, steps: 200 });
    const [small, mid, large] = r.points;
    expect(small!.memorizedFraction).toBeGreaterThan(0.8);
    expect(large!.memorizedFraction).toBeLessThan(mid!.memorizedFraction);
    expect(small!.medianNearestDistance).toBeLessThan(mid!.medianNearestDistance);
    expect(mid!.medianNearestDistance).toBeLessThan(large!.medianNearestDistance);
    // at small delta the distance to the copy is the leftover noise, ~ h(delta) sqrt(2 ln 2) in 2-D
    expect(small!.medianNearestDistance).toBeLessThan(3 * small!.bandwidth);
  });

  it('deltaSweep and scoreErrorVsN stop on cancel and leak nothing', async () => {
    const start = tf.memory().numTensors;
    const train = gaussian2dTrainingSet(30, [0, 0], 1, 1);
    await expect(deltaSweep({ values: train, rows: 30, cols: 2 }, [0.01, 0.1], { n: 20, steps: 50 }, testContext(5))).rejects.toThrow(JobCancelled);
    await expect(scoreErrorVsN({ Ns: [20, 40], sets: 1, h: 0.01, samplesPerTime: 10 }, testContext(2))).rejects.toThrow(JobCancelled);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('nearest-neighbour summary: d1/d2 < 1/3 criterion, median, distinct neighbours', () => {
    const nn = exactNearestTwo({ values: [0, 0, 10, 0], rows: 2, cols: 2 });
    const r = nn(Float32Array.from([0.5, 0, 4, 0, 9, 0]), 3);
    expect(Array.from(r.index)).toEqual([0, 0, 1]);
    expect(Array.from(r.first)).toEqual([0.5, 4, 1]);
    const s = summarizeNearest(r);
    expect(s.memorizedFraction).toBeCloseTo(2 / 3, 12); // 0.5/9.5 and 1/9 pass, 4/6 does not
    expect(s.medianNearestDistance).toBe(1);
    expect(s.distinctNearest).toBe(2);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});
