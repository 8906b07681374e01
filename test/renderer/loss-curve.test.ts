/** The live loss curve: progress figures kept in order under a cap, split into curves per network. */
import { describe, expect, it } from 'vitest';
import { appendFigures, type FigurePoint } from '../../renderer/src/stores/figure-series';
import { lossCurves, trainingPace } from '../../renderer/src/stores/loss-curve';

describe('appendFigures', () => {
  it('keeps every point under the cap, then thins to every second one so the curve keeps its span', () => {
    let points: FigurePoint[] = [];
    for (let step = 1; step <= 8; step++) points = appendFigures(points, { step }, 8);
    expect(points.map((p) => p['step'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    points = appendFigures(points, { step: 9 }, 8);
    expect(points.map((p) => p['step'])).toEqual([2, 4, 6, 8, 9]);
  });
});

describe('lossCurves / trainingPace', () => {
  it('draws one curve of raw and smoothed losses by step, skipping values a log axis cannot show', () => {
    const curves = lossCurves([
      { step: 1, steps: 3, loss: 1.2, smoothedLoss: 1.2, itemsPerSecond: 10 },
      { step: 2, steps: 3, loss: 0, smoothedLoss: 1.1, itemsPerSecond: 11 },
      { step: 3, steps: 3, loss: 0.8, smoothedLoss: 1, itemsPerSecond: 12 },
    ]);
    expect(curves).toEqual([{ label: null, raw: [[1, 1.2], [3, 0.8]], smoothed: [[1, 1.2], [2, 1.1], [3, 1]] }]);
  });

  it('splits the points of an experiment that trains one network per N', () => {
    const curves = lossCurves([{ N: 16, step: 1, loss: 1, smoothedLoss: 1 }, { N: 16, step: 2, loss: 0.9, smoothedLoss: 0.95 }, { N: 256, step: 1, loss: 1.1, smoothedLoss: 1.1 }]);
    expect(curves.map((c) => [c.label, c.raw.length])).toEqual([['N = 16', 2], ['N = 256', 1]]);
  });

  it("reads the newest point's step, total, smoothed loss and speed", () => {
    expect(trainingPace([])).toBeNull();
    expect(trainingPace([{ step: 1, steps: 20, loss: 1, smoothedLoss: 1, itemsPerSecond: 3 }, { step: 2, steps: 20, loss: 0.9, smoothedLoss: 0.95, itemsPerSecond: 4.5 }]))
      .toEqual({ step: 2, steps: 20, smoothedLoss: 0.95, itemsPerSecond: 4.5 });
  });
});
