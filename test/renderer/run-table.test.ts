/** The Runs table's filter and sort (renderer/src/stores/run-table.ts) on rows written here. */
import { describe, expect, it } from 'vitest';
import { filterRows, memorizedText, sortRows, visibleRange } from '../../renderer/src/stores/run-table';
import type { RunRow } from '../../electron/contract';

function row(id: string, over: Partial<RunRow>): RunRow {
  return {
    id, kind: 'sample', category: 'sample', title: `t ${id}`, name: null, created: '', status: 'complete', tags: [], dataset: null,
    trainingItems: null, score: null, sampler: null, delta: null, deltas: null, steps: null, n: null, seed: null, backend: null, kernels: null,
    seconds: null, memorizedFraction: null, memorizedCI: null, medianNearestDistance: null, distanceUnits: null, rerunOf: null, error: null, ...over,
  };
}

const rows = [
  row('20260101-000001-sample-000001', { dataset: 'cifar10:train', score: 'empirical', memorizedFraction: 0.9, tags: ['baseline'] }),
  row('20260101-000002-audit-000002', { category: 'audit', kind: 'audit', dataset: 'cifar10:train', memorizedFraction: 0.25, memorizedCI: [0.15, 0.36] }),
  row('20260101-000003-sample-000003', { dataset: 'g2:train', score: 'gaussian', memorizedFraction: null, name: 'Alpha' }),
  row('20260101-000004-train-score-000004', { category: 'training', kind: 'train-score', status: 'interrupted', dataset: 'g2:train' }),
];

describe('run table', () => {
  it('filters by words (all must match), kind and status', () => {
    expect(filterRows(rows, { text: 'cifar10', category: 'all', status: 'all' }).map((r) => r.id.slice(-1))).toEqual(['1', '2']);
    expect(filterRows(rows, { text: 'cifar10 baseline', category: 'all', status: 'all' }).map((r) => r.id.slice(-1))).toEqual(['1']);
    expect(filterRows(rows, { text: 'ALPHA', category: 'all', status: 'all' }).map((r) => r.id.slice(-1))).toEqual(['3']);
    expect(filterRows(rows, { text: '', category: 'sample', status: 'all' })).toHaveLength(2);
    expect(filterRows(rows, { text: '', category: 'all', status: 'interrupted' }).map((r) => r.category)).toEqual(['training']);
  });

  it('sorts either way with missing values last', () => {
    const up = sortRows(rows, { key: 'memorizedFraction', descending: false }).map((r) => r.memorizedFraction);
    expect(up).toEqual([0.25, 0.9, null, null]);
    const down = sortRows(rows, { key: 'memorizedFraction', descending: true }).map((r) => r.memorizedFraction);
    expect(down).toEqual([0.9, 0.25, null, null]);
    expect(sortRows(rows, { key: 'created', descending: true })[0]!.id.slice(-1)).toBe('4');
    expect(sortRows(rows, { key: 'name', descending: false })[0]!.name).toBe('Alpha');
  });

  it('shows an audit\'s interval and a dash only when there is no figure', () => {
    expect(memorizedText(rows[1]!)).toBe('25.0% [15.0–36.0]');
    expect(memorizedText(rows[0]!)).toBe('90.0%');
    expect(memorizedText(rows[2]!)).toBe('–');
  });

  it('keeps only the rows in view (plus overscan) for a list of 1 000', () => {
    expect(visibleRange(1000, 30, 0, 300, 5)).toEqual({ first: 0, last: 15 });
    expect(visibleRange(1000, 30, 15_000, 300, 5)).toEqual({ first: 495, last: 515 });
    // scrolled past the end (the list got shorter): its last rows
    expect(visibleRange(1000, 30, 40_000, 300, 5)).toEqual({ first: 985, last: 1000 });
  });
});
