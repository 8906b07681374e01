/** The Runs list headline reads one spelling of every field, for sampling runs and audits alike. */
import { describe, expect, it } from 'vitest';
import { headlineOf } from '../../renderer/src/stores/run-headline';

const value = (rows: { label: string; value: string }[], label: string) => rows.find((r) => r.label === label)?.value;

describe('headlineOf', () => {
  it("shows an audit's memorised fraction and median d1 with its unit", () => {
    const rows = headlineOf('audit', { memorizedFraction: 0.5, memorizedCI: [0.3, 0.7], medianD1: 1.53, count: 24 });
    expect(value(rows, 'memorised')).toBe('50.0%');
    expect(value(rows, 'median NN distance (pixels scaled to [0, 1])')).toBe('1.53');
  });

  it("shows a sample run's fraction and distance, labelled with the run's unit", () => {
    const rows = headlineOf('sample', { memorizedFraction: 1, medianNearestDistance: 1.526, distinctNearest: 8, distanceUnits: 'L2 on pixels scaled to [0, 1]' });
    expect(value(rows, 'memorised')).toBe('100.0%');
    expect(value(rows, 'median NN distance (pixels scaled to [0, 1])')).toBe('1.53');
    expect(value(rows, 'distinct nearest')).toBe('8');
    expect(value(headlineOf('sample', { memorizedFraction: 0.25, medianNearestDistance: 0.1, distanceUnits: 'data units' }), 'median NN distance (data units)')).toBe('0.1');
  });

  it('reads the delta sweep and two-score experiments', () => {
    const sweep = headlineOf('experiment:delta-sweep', { memorizedFractionByDelta: { '0.001': 1, '0.1': 0.2 } });
    expect(value(sweep, 'memorised at δ = 0.001')).toBe('100.0%');
    expect(value(sweep, 'memorised at δ = 0.1')).toBe('20.0%');
    const pair = headlineOf('experiment:gaussian2d', { memorizedFraction: { empirical: 0.96, gaussian: 0.13 }, medianNearestDistance: { empirical: 0.01, gaussian: 1 }, distanceUnits: 'data units' });
    expect(value(pair, 'memorised (s_N)')).toBe('96.0%');
    expect(value(pair, 'median NN (Gaussian) (data units)')).toBe('1');
  });

  it('reads memorisation vs N: the U-Net at the smallest and largest N, s_N at the largest', () => {
    const rows = headlineOf('experiment:memorisation-vs-n', {
      memorizedFractionByN: { 256: 0.05, 16: 0.9 }, empiricalMemorizedFractionByN: { 16: 1, 256: 0.97 },
    });
    expect(rows.map((r) => r.label)).toEqual(['memorised at N = 16 (U-Net)', 'memorised at N = 256 (U-Net)', 'memorised at N = 256 (s_N)']);
    expect(rows.map((r) => r.value)).toEqual(['90.0%', '5.0%', '97.0%']);
    expect(headlineOf('experiment:memorisation-vs-n', {})).toEqual([]);
  });
});
