/** Closed forms of docs/math.md §1-3: OU moments, bandwidth, VE conversions, and the schedules. */
import { describe, it, expect } from 'vitest';
import { ou, leftoverNoiseNorm } from '../../electron/science/forward-process';
import { pixelNoise255 } from '../../electron/contract/early-stopping';
import { edmSigmas, edmTimeGrid, geometricGrid, sigmasToTimes, timeGrid, timesToSigmas, uniformGrid } from '../../electron/science/grids';
import { edmSchedule } from '../../electron/science/samplers/edm';

describe('OU forward process', () => {
  it('m_t = e^{-t}, s_t^2 = 1 - e^{-2t}, m_t^2 + s_t^2 = 1', () => {
    for (const t of [1e-8, 1e-3, 0.5, 5]) {
      expect(ou.mean(t)).toBeCloseTo(Math.exp(-t), 15);
      expect(ou.variance(t) / (1 - Math.exp(-2 * t))).toBeCloseTo(1, t < 1e-6 ? 7 : 12);
      expect(ou.mean(t) ** 2 + ou.variance(t)).toBeCloseTo(1, 14);
      expect(ou.std(t) ** 2).toBeCloseTo(ou.variance(t), 15);
    }
    // small t stays accurate: s_t^2 ~ 2t
    expect(ou.variance(1e-10) / 2e-10).toBeCloseTo(1, 8);
  });

  it('bandwidth h(delta) ~ sqrt(2 delta) and deltaForBandwidth inverts it', () => {
    expect(ou.bandwidth(1e-6) / Math.sqrt(2e-6)).toBeCloseTo(1, 5);
    for (const d of [1e-5, 0.01, 0.3, 2]) expect(ou.deltaForBandwidth(ou.bandwidth(d)) / d).toBeCloseTo(1, 9);
  });

  it('sigma = sqrt(e^{2t} - 1) = s_t / m_t and t = 0.5 ln(1 + sigma^2) invert each other', () => {
    for (const t of [1e-7, 0.01, 1, 4.38]) {
      expect(ou.sigmaOfT(t) / (ou.std(t) / ou.mean(t))).toBeCloseTo(1, 9);
      expect(ou.tOfSigma(ou.sigmaOfT(t)) / t).toBeCloseTo(1, 9);
    }
    expect(ou.tOfSigma(80)).toBeCloseTo(0.5 * Math.log(6401), 12);
  });

  it('pixel noise of [-1, 1] data is h(delta) * 127.5; CIFAR leftover noise at delta = 0.01 is ~7.8', () => {
    expect(pixelNoise255(0.01)).toBeCloseTo(ou.bandwidth(0.01) * 127.5, 12);
    expect(leftoverNoiseNorm(0.01, 3072)).toBeCloseTo(7.8, 1);
  });
});

describe('grids', () => {
  it('uniform and geometric grids run from T to delta, strictly decreasing', () => {
    for (const g of [uniformGrid(5, 0.001, 20), geometricGrid(5, 0.001, 20), timeGrid('edm', 5, 0.001, 20)]) {
      expect(g.length).toBe(21);
      expect(g[0]).toBe(5);
      expect(g[20]).toBe(0.001);
      for (let i = 0; i < 20; i++) expect(g[i]!).toBeGreaterThan(g[i + 1]!);
    }
    const u = uniformGrid(5, 0.001, 20);
    expect(u[1]! - u[2]!).toBeCloseTo(4.999 / 20, 12);
    const g = geometricGrid(5, 0.001, 20);
    expect(g[1]! / g[0]!).toBeCloseTo(g[20]! / g[19]!, 12); // constant ratio
  });

  it('EDM sigmas follow the Karras formula; 18 levels end at 0.002 and sigma_16 = 0.00753', () => {
    const s = edmSigmas(18);
    expect(s[0]).toBe(80);
    expect(s[17]).toBe(0.002);
    const a = 80 ** (1 / 7);
    const b = 0.002 ** (1 / 7);
    expect(s[5]!).toBeCloseTo((a + (5 / 17) * (b - a)) ** 7, 10);
    expect(s[16]!).toBeCloseTo(0.00753, 5);
    const schedule = edmSchedule(18, 0.002, 80, 7, 2);
    expect(schedule.length).toBe(17);
    expect(schedule.at(-1)!).toBeCloseTo(0.00753, 5);
    expect(edmSchedule(18).at(-1)).toBe(0);
  });

  it('sigma grids convert to OU times and back', () => {
    const s = edmSigmas(10, 0.01, 10);
    const t = sigmasToTimes(s);
    expect(Array.from(edmTimeGrid(10, 0.01, 10))).toEqual(Array.from(t));
    const back = timesToSigmas(t);
    for (let i = 0; i < s.length; i++) expect(back[i]! / s[i]!).toBeCloseTo(1, 10);
  });

  it('rejects bad arguments with the values found', () => {
    expect(() => uniformGrid(1, 2, 10)).toThrow(/0 < delta < T.*T = 1, delta = 2/);
    expect(() => geometricGrid(5, 0.1, 0)).toThrow(/steps must be an integer >= 1, got 0/);
    expect(() => edmSigmas(1)).toThrow(/steps must be an integer >= 2/);
  });
});
