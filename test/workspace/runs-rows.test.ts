/**
 * The Runs table's rows from 1 000 run folders written by hand as each kind of run writes its
 * run.json (samples, sweeps, experiments, trainings, audits, one of an older spelling), plus a
 * training that left only a checkpoint: every row is there once, newest first, with the right
 * columns; names and tags written by run-labels.ts read back. No timing here (bench/runs.bench.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listRunRows } from '../../electron/workspace/run-rows';
import { setRunName, setRunTags } from '../../electron/workspace/run-labels';
import { RunRow } from '../../electron/contract';

const COUNT = 1000;
let ws = '';

/** Run i: a time stamp i seconds after 2026-01-01, and a kind by i mod 5. */
function idOf(i: number, slug: string): string {
  const d = new Date(Date.UTC(2026, 0, 1) + i * 1000);
  const stamp = d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${slug}-${i.toString(16).padStart(6, '0')}`;
}

function manifestOf(i: number): Record<string, unknown> {
  const env = { backend: i % 2 ? 'wasm' : 'tensorflow', kernels: 'native-avx2 x2' };
  const base = { created: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), environment: env, files: [] };
  switch (i % 5) {
    case 0:
      return { ...base, id: idOf(i, 'sample'), kind: 'sample', title: `sample ${i}`,
        params: { data: 'g2:train', score: 'empirical', sampler: 'ei', delta: 0.01, steps: 10, n: 16, seed: i, bandwidth: 0.14 },
        timings: { total: 1.5 }, summary: { memorizedFraction: 0.625, medianNearestDistance: 0.28, data: 'g2:train', trainingItems: 100, distanceUnits: 'data units' } };
    case 1:
      return { ...base, id: idOf(i, 'experiment-delta-sweep'), kind: 'experiment:delta-sweep', title: `sweep ${i}`,
        params: { data: 'g2', deltas: [0.1, 0.001], n: 200, steps: 100, sampler: 'sde', seed: 0 },
        timings: { sweep: 2, write: 1 }, summary: { data: 'g2:train (N=100)', memorizedFractionByDelta: { '0.001': 0.965, '0.1': 0.15 }, medianNearestDistanceByDelta: { '0.001': 0.05, '0.1': 0.48 } } };
    case 2:
      return { ...base, id: idOf(i, 'experiment-gaussian2d'), kind: 'experiment:gaussian2d', title: `gaussian2d ${i}`,
        params: { n: 300, steps: 400, sampler: 'sde', delta: 0.0005 },
        timings: { total: 3 }, summary: { memorizedFraction: { empirical: 0.9, gaussian: 0.01 }, medianNearestDistance: { empirical: 0.02, gaussian: 0.5 } } };
    case 3:
      return { ...base, id: idOf(i, 'train-score'), kind: 'train-score', title: `training ${i}`,
        params: { data: 'cifar10:train', subset: 16, steps: 1250, seed: 0 },
        timings: { train: 100, write: 1 }, summary: { finalLoss: 0.1, steps: 1250, seconds: 100, data: 'cifar10:train (N=16)', trainingItems: 16, network: 'unet' } };
    default:
      // an audit, every other one of an older spelling (memorised...)
      return { ...base, id: idOf(i, 'audit'), kind: 'audit', title: `audit ${i}`,
        params: { samples: '/x/samples.npz', train: 'cifar10:train', test: null, k: 5, seed: 0 },
        timings: { total: 4 },
        summary: i % 10 === 4
          ? { count: 64, memorisedFraction: 0.25, memorizedCI: [0.15, 0.36], medianD1: 4.5, seconds: 4 }
          : { count: 64, memorizedFraction: 0.25, memorizedCI: [0.15, 0.36], medianD1: 4.5, seconds: 4 } };
  }
}

beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'ss-runs-rows-'));
  for (let i = 0; i < COUNT; i++) {
    const m = manifestOf(i);
    const dir = join(ws, 'runs', m['id'] as string);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'run.json'), JSON.stringify(m));
  }
  // not runs: a folder without run.json, a temporary folder, a broken run.json
  mkdirSync(join(ws, 'runs', idOf(5000, 'sample')));
  mkdirSync(join(ws, 'runs', '.tmp-abc'));
  mkdirSync(join(ws, 'runs', idOf(5001, 'sample')));
  writeFileSync(join(ws, 'runs', idOf(5001, 'sample'), 'run.json'), '{ not json');
  // a training that checkpointed at step 200 of 1000 and never finished
  const interrupted = idOf(COUNT, 'train-score');
  mkdirSync(join(ws, 'checkpoints', interrupted), { recursive: true });
  writeFileSync(join(ws, 'checkpoints', interrupted, 'checkpoint-200.json'), JSON.stringify({ step: 200, seconds: 12.5, request: { data: 'g2:train', steps: 1000, seed: 3 } }));
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('listRunRows over 1 000 run folders', () => {
  it('lists every run once, newest first, each row valid against the contract', async () => {
    const rows = await listRunRows(ws);
    expect(rows).toHaveLength(COUNT + 1);
    expect(new Set(rows.map((r) => r.id)).size).toBe(COUNT + 1);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort().reverse());
    for (const r of rows) RunRow.parse(r);
    const counts = rows.reduce<Record<string, number>>((c, r) => ({ ...c, [r.category]: (c[r.category] ?? 0) + 1 }), {});
    expect(counts).toEqual({ sample: 200, sweep: 200, experiment: 200, training: 201, audit: 200 });
  });

  it('fills the columns of each kind of run', async () => {
    const byId = new Map((await listRunRows(ws)).map((r) => [r.id, r]));
    expect(byId.get(idOf(0, 'sample'))).toMatchObject({
      category: 'sample', dataset: 'g2:train', trainingItems: 100, score: 'empirical', sampler: 'ei', delta: 0.01, steps: 10, n: 16, seed: 0,
      backend: 'tensorflow', kernels: 'native-avx2 x2', seconds: 1.5, memorizedFraction: 0.625, medianNearestDistance: 0.28, distanceUnits: 'data units', status: 'complete',
    });
    // a sweep: the smallest delta and its figures
    expect(byId.get(idOf(1, 'experiment-delta-sweep'))).toMatchObject({
      category: 'sweep', dataset: 'g2:train', trainingItems: 100, delta: 0.001, deltas: [0.1, 0.001], memorizedFraction: 0.965, medianNearestDistance: 0.05, seconds: 3,
    });
    // figures per score: s_N's
    expect(byId.get(idOf(2, 'experiment-gaussian2d'))).toMatchObject({ category: 'experiment', memorizedFraction: 0.9, medianNearestDistance: 0.02, delta: 0.0005 });
    expect(byId.get(idOf(3, 'train-score'))).toMatchObject({ category: 'training', dataset: 'cifar10:train', trainingItems: 16, score: 'unet', steps: 1250, seconds: 101 });
    // audits (either spelling): a headline, never a dash
    for (const i of [4, 9]) {
      expect(byId.get(idOf(i, 'audit'))).toMatchObject({
        category: 'audit', dataset: 'cifar10:train', n: 64, memorizedFraction: 0.25, memorizedCI: [0.15, 0.36], medianNearestDistance: 4.5,
        distanceUnits: 'L2 on pixels scaled to [0, 1]', seconds: 4,
      });
    }
    expect(byId.get(idOf(COUNT, 'train-score'))).toMatchObject({ status: 'interrupted', category: 'training', dataset: 'g2:train', steps: 1000, seconds: 12.5 });
    expect(byId.get(idOf(COUNT, 'train-score'))!.title).toMatch(/step 200 of 1000/);
  });

  it('reads back names and tags, and leaves the other run.json fields alone', async () => {
    const id = idOf(10, 'sample');
    await setRunName(ws, id, 'baseline at δ = 0.01');
    await setRunTags(ws, id, ['b', 'a', 'b'], []);
    await setRunTags(ws, id, ['c'], ['a']);
    const row = (await listRunRows(ws)).find((r) => r.id === id)!;
    expect(row).toMatchObject({ name: 'baseline at δ = 0.01', tags: ['b', 'c'], memorizedFraction: 0.625, seed: 10 });
    await setRunName(ws, id, null);
    expect((await listRunRows(ws)).find((r) => r.id === id)!.name).toBeNull();
  });
});
