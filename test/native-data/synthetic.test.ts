import { describe, it, expect } from 'vitest';
import { PAPER_GAUSSIAN, Xoshiro128, sampleSynthetic, synthesize } from '../../native-data';

describe('synthetic data', () => {
  it('xoshiro128** matches the reference sequence for state (1, 2, 3, 4)', () => {
    const g = Xoshiro128.fromState(1, 2, 3, 4);
    const got = Array.from({ length: 6 }, () => g.nextUint32());
    // reference implementation (Blackman & Vigna, xoshiro128starstar.c)
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is reproducible for a seed, and seeds / streams differ', () => {
    const a = synthesize(PAPER_GAUSSIAN);
    const b = synthesize(PAPER_GAUSSIAN);
    expect(Buffer.from(a['train']!.data.buffer).equals(Buffer.from(b['train']!.data.buffer))).toBe(true);
    const c = synthesize({ ...PAPER_GAUSSIAN, seed: 1 });
    expect(a['train']!.data[0]).not.toBe(c['train']!.data[0]);
    const t = synthesize({ ...PAPER_GAUSSIAN, test: 100 });
    expect(Buffer.from(t['train']!.data.buffer).equals(Buffer.from(a['train']!.data.buffer))).toBe(true);
    expect(t['test']!.data[0]).not.toBe(t['train']!.data[0]);
  });

  it('N((-5, 5), 10 I): sample moments within 5 standard errors (n = 20000)', () => {
    const n = 20000;
    const s = sampleSynthetic({ ...PAPER_GAUSSIAN, n }, n);
    for (let j = 0; j < 2; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += s.data[i * 2 + j]!;
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (s.data[i * 2 + j]! - m) ** 2;
      v /= n - 1;
      expect(Math.abs(m - [-5, 5][j]!)).toBeLessThan(5 * Math.sqrt(10 / n)); // SE of the mean: c / sqrt(n)
      expect(Math.abs(v - 10)).toBeLessThan(5 * 10 * Math.sqrt(2 / n)); // SE of the variance: c^2 sqrt(2/n)
    }
  });

  it('mixtures: component frequencies follow the weights, labels name the component', () => {
    const n = 20000;
    const s = sampleSynthetic({ kind: 'mixture', n, seed: 3, components: [{ mean: [0], variance: 0.01, weight: 1 }, { mean: [10], variance: 0.01, weight: 3 }] }, n);
    let ones = 0;
    for (let i = 0; i < n; i++) {
      const l = s.labels![i]!;
      ones += l;
      expect(Math.abs(s.data[i]! - (l === 1 ? 10 : 0))).toBeLessThan(1); // 10 sigma
    }
    expect(Math.abs(ones / n - 0.75)).toBeLessThan(5 * Math.sqrt((0.75 * 0.25) / n));
  });

  it('rejects bad specs', () => {
    expect(() => sampleSynthetic({ kind: 'gaussian', mean: [0, 0], variance: -1, n: 3, seed: 0 }, 3)).toThrow(/variance/);
    expect(() => sampleSynthetic({ kind: 'mixture', components: [{ mean: [0], variance: 1 }, { mean: [0, 1], variance: 1 }], n: 3, seed: 0 }, 3)).toThrow(/coordinates/);
  });
});
