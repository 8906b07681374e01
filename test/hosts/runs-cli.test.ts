/**
 * `scorescope runs list|rename|tag|compare|remove` and `scorescope rerun` in-process through the
 * CLI's main(argv), on the CIFAR-10 mini archive (image runs: the paired gallery, an audit) and a
 * 2-D Gaussian (a sweep and a sampling run: the memorised-vs-delta overlay). A re-run on the same
 * backend and kernels must give bit-identical arrays, for a sampling run and for an audit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset, loadSplit, synthDataset } from '../../electron/workspace/datasets';
import { readNpz } from '../../native-data';
import type { RerunResult, RunComparison, RunRow } from '../../electron/contract';
import { cliFor } from '../helpers/cli';
import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { buildAuditSamples, writeAuditSamplesNpz } from './audit-fixtures';

let ws = '';
let scratch = '';
const { cli, json } = cliFor(() => ws);
const D = 32 * 32 * 3;

/** Image sampling runs: same seed, two deltas (sample i of each starts from the same noise). */
let imageA = '';
let imageB = '';
let vectorSample = '';
let sweep = '';
let audit = '';

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-runs-cli-'));
  scratch = mkdtempSync(join(tmpdir(), 'ss-runs-out-'));
  await importDataset(ws, MINI, { name: 'cifar-mini' });
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
  const common = ['--data', 'cifar-mini:train', '--subset', '200', '--score', 'empirical', '--sampler', 'ei', '--steps', '8', '--n', '6', '--seed', '4'];
  imageA = (await json('sample', ...common, '--delta', '0.001')).run;
  imageB = (await json('sample', ...common, '--delta', '0.3')).run;
  vectorSample = (await json('sample', '--data', 'g2', '--sampler', 'ei', '--delta', '0.01', '--steps', '10', '--n', '16')).run;
  sweep = (await json('sweep', '--data', 'g2', '--deltas', '0.001,0.1', '--n', '40', '--steps', '20')).run;
  const train = (await loadSplit(ws, 'cifar-mini:train')).data as Uint8Array;
  const test = (await loadSplit(ws, 'cifar-mini:test')).data as Uint8Array;
  const samples = buildAuditSamples(train, test, D, { copies: [1, 2], noisy: [10, 20], tests: [20, 21, 22, 23] });
  const npz = join(scratch, 'samples.npz');
  await writeAuditSamplesNpz(npz, samples, [32, 32, 3]);
  audit = (await json<{ run: string }>('audit', '--samples', npz, '--train', 'cifar-mini', '--k', '3')).run;
}, 240_000);

afterAll(() => {
  rmSync(ws, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('scorescope runs list', () => {
  it('prints one row per run with the table\'s fields, the audit\'s headline included', async () => {
    const { runs } = await json<{ runs: RunRow[] }>('runs', 'list');
    expect(runs.map((r) => r.id).sort()).toEqual([imageA, imageB, vectorSample, sweep, audit].sort());
    const byId = Object.fromEntries(runs.map((r) => [r.id, r]));
    expect(byId[imageA]).toMatchObject({
      category: 'sample', kind: 'sample', dataset: 'cifar-mini:train', trainingItems: 200, score: 'empirical', sampler: 'ei',
      delta: 0.001, steps: 8, n: 6, seed: 4, status: 'complete', tags: [], name: null, backend: expect.any(String), kernels: expect.any(String),
    });
    expect(byId[imageA]!.memorizedFraction).toBeGreaterThanOrEqual(0);
    expect(byId[imageA]!.seconds).toBeGreaterThan(0);
    expect(byId[sweep]).toMatchObject({ category: 'sweep', dataset: 'g2:train', trainingItems: 100, delta: 0.001, deltas: [0.001, 0.1], n: 40 });
    // two copies and two noisy copies of training images among 8 samples: memorised 4 of 8
    expect(byId[audit]).toMatchObject({ category: 'audit', dataset: 'cifar-mini:train', trainingItems: 1000, n: 8, memorizedFraction: 0.5 });
    expect(byId[audit]!.memorizedCI).toHaveLength(2);
    expect(byId[audit]!.medianNearestDistance).toBeGreaterThanOrEqual(0);
    const sweeps = await json<{ runs: RunRow[] }>('runs', 'list', '--category', 'sweep');
    expect(sweeps.runs.map((r) => r.id)).toEqual([sweep]);
  });

  it('names and tags a run; the list shows and filters by them', async () => {
    const renamed = await json<RunRow>('runs', 'rename', imageA, 'small', 'delta');
    expect(renamed.name).toBe('small delta');
    expect((await json<RunRow>('runs', 'tag', imageA, 'baseline', 'cifar')).tags).toEqual(['baseline', 'cifar']);
    expect((await json<RunRow>('runs', 'tag', imageA, '--remove', 'cifar')).tags).toEqual(['baseline']);
    const tagged = await json<{ runs: RunRow[] }>('runs', 'list', '--tag', 'baseline');
    expect(tagged.runs.map((r) => [r.id, r.name])).toEqual([[imageA, 'small delta']]);
    // run.json keeps the engine's fields as they were
    const manifest = JSON.parse(readFileSync(join(ws, 'runs', imageA, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ id: imageA, kind: 'sample', name: 'small delta', tags: ['baseline'] });
    const bad = await cli('runs', 'tag', imageA, 'two words,x');
    expect(bad.code).toBe(1);
  });
});

describe('scorescope runs compare', () => {
  it('pairs image runs of one seed, diffs only what differs, and exports HTML, PNG and CSV', async () => {
    const out = join(scratch, 'compare');
    const c = await json<RunComparison & { exports: { kind: string; path: string; bytes: number }[] }>('runs', 'compare', imageA, imageB, '--out', out);
    expect(c.runs.map((r) => r.id)).toEqual([imageA, imageB]);
    const names = c.parameters.map((p) => p.name);
    expect(names).toContain('delta');
    expect(names).not.toContain('seed');
    expect(names).not.toContain('sampler');
    expect(c.parameters.find((p) => p.name === 'delta')!.values).toEqual([0.001, 0.3]);
    expect(c.sharedParameters).toBeGreaterThan(5);
    expect(c.metrics.find((m) => m.name === 'memorizedFraction')!.values).toHaveLength(2);
    expect(c.paired).toEqual({ count: 6, itemShape: [32, 32, 3], withNearest: [imageA, imageB] });
    expect(c.exports.map((e) => e.kind).sort()).toEqual(['csv', 'html', 'png']);
    const csv = readFileSync(join(out, 'comparison.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(`section,name,${imageA},${imageB}`);
    expect(csv).toMatch(/^parameter,delta,0\.001,0\.3$/m);
    const html = readFileSync(join(out, 'comparison.html'), 'utf8');
    expect(html).toContain('data:image/png;base64,');
    const png = readFileSync(join(out, 'paired-gallery.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('overlays memorised fraction against delta for a sweep and a sampling run; no gallery for vectors', async () => {
    const c = await json<RunComparison>('runs', 'compare', sweep, vectorSample);
    const chart = c.charts.find((x) => x.id === 'memorized-vs-delta')!;
    expect(chart.lines.map((l) => l.run)).toEqual([sweep, vectorSample]);
    expect(chart.lines[0]!.points.map((p) => p[0])).toEqual([0.001, 0.1]);
    expect(chart.lines[1]!.points).toHaveLength(1);
    expect(c.paired).toBeNull();
    expect(c.pairedWhy).toMatch(/sampling runs/);
    const one = await cli('runs', 'compare', sweep);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/at least two/);
  });
});

describe('scorescope runs compare: trainings', () => {
  it('overlays the loss curves of two trainings against step', async () => {
    const first = (await json('train-score', '--data', 'g2', '--steps', '60', '--batch', '32', '--seed', '0')).run;
    const second = (await json('train-score', '--data', 'g2', '--steps', '90', '--batch', '32', '--seed', '1')).run;
    const c = await json<RunComparison>('runs', 'compare', first, second);
    const loss = c.charts.find((x) => x.id === 'loss-vs-step')!;
    expect(loss.yLog).toBe(true);
    expect(loss.lines.map((l) => l.run)).toEqual([first, second]);
    // the runs' own loss tables, read here independently: the curves end at the last step with its smoothed loss
    for (const [k, id] of [first, second].entries()) {
      const table = JSON.parse(readFileSync(join(ws, 'runs', id, 'table.json'), 'utf8')) as { step: number; smoothedLoss: number }[];
      expect(loss.lines[k]!.points.at(-1)).toEqual([table.at(-1)!.step, table.at(-1)!.smoothedLoss]);
    }
    expect(c.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['steps', 'seed']));
    expect(c.paired).toBeNull();
    // the list's --json rows keep each run's summary (scripts read it)
    const { runs } = await json<{ runs: (RunRow & { summary: Record<string, unknown> })[] }>('runs', 'list', '--category', 'training');
    expect(runs.find((r) => r.id === first)!.summary['steps']).toBe(60);
    for (const id of [first, second]) expect((await json<{ removed: boolean }>('runs', 'remove', id)).removed).toBe(true);
  });
});

describe('scorescope rerun', () => {
  it('repeats a sampling run bit for bit on the same backend and copies it with --out', async () => {
    const out = join(scratch, 'rerun');
    const r = await json<RerunResult & { out: string }>('rerun', imageB, '--out', out);
    expect(r.of).toBe(imageB);
    expect(r.run).not.toBe(imageB);
    expect(r.sameBackend && r.sameKernels).toBe(true);
    expect(r.compared).toContain('samples.npz:arr_0');
    expect(r.identical).toBe(true);
    expect(r.maxAbsDifference).toBe(0);
    // checked here too, independently of the job's own comparison
    const before = (await readNpz(join(ws, 'runs', imageB, 'samples.npz')))['arr_0']!;
    const after = (await readNpz(join(out, r.run, 'samples.npz')))['arr_0']!;
    expect(Buffer.from(after.data.buffer, after.data.byteOffset, after.data.byteLength).equals(Buffer.from(before.data.buffer, before.data.byteOffset, before.data.byteLength))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(ws, 'runs', r.run, 'run.json'), 'utf8')) as { rerunOf: { of: string; identical: boolean }; params: Record<string, unknown> };
    expect(manifest.rerunOf).toMatchObject({ of: imageB, identical: true });
    expect(manifest.params).toMatchObject({ delta: 0.3, seed: 4, subset: 200, n: 6 });
    const { runs } = await json<{ runs: RunRow[] }>('runs', 'list');
    expect(runs.find((x) => x.id === r.run)!.rerunOf).toBe(imageB);
  });

  it('repeats an audit bit for bit (neighbours, distances, ratios)', async () => {
    const r = await json<RerunResult>('rerun', audit);
    expect(r.compared).toEqual(expect.arrayContaining(['neighbours.npz:indices', 'neighbours.npz:distances', 'samples.npz:arr_0']));
    expect(r.identical).toBe(true);
    expect(r.maxAbsDifference).toBe(0);
    const summary = JSON.parse(readFileSync(join(ws, 'runs', r.run, 'run.json'), 'utf8')).summary as Record<string, unknown>;
    expect(summary['memorizedFraction']).toBe(0.5);
  });

  it('repeats a sweep, which holds no arrays, number for number in its table', async () => {
    const r = await json<RerunResult>('rerun', sweep);
    expect(r.compared).toEqual(['table.json']);
    expect(r.identical).toBe(true);
    expect(r.maxAbsDifference).toBe(0);
  });

  it('says so when the kernels differ (native off) and reports the largest difference', async () => {
    const before = process.env['SCORESCOPE_NATIVE'];
    process.env['SCORESCOPE_NATIVE'] = '0';
    try {
      const r = await json<RerunResult>('rerun', imageA);
      expect(r.sameKernels).toBe(false);
      expect(r.kernels.after).toBe('tfjs');
      expect(r.kernels.before).not.toBe('tfjs');
      expect(typeof r.maxAbsDifference).toBe('number');
      const human = await cli('rerun', imageA);
      expect(human.stdout).toMatch(/kernels .+ -> tfjs/);
      expect(human.stdout).toMatch(/bit-identical|largest absolute difference \d/);
    } finally {
      if (before === undefined) delete process.env['SCORESCOPE_NATIVE'];
      else process.env['SCORESCOPE_NATIVE'] = before;
    }
  });

  it('says how far apart two runs are when their arrays differ', async () => {
    // the job's comparison, on two runs that differ: imageA and imageB (delta 0.001 vs 0.3)
    const { compareRunArrays } = await import('../../electron/jobs/rerun/compare-arrays');
    const c = await compareRunArrays(join(ws, 'runs', imageA), join(ws, 'runs', imageB), ['samples.npz'], ['samples.npz']);
    expect(c.identical).toBe(false);
    expect(c.maxAbsDifference).toBeGreaterThan(0);
    expect(c.maxAbsDifference).toBeLessThanOrEqual(255);
  });

  it('refuses a run id that is not there', async () => {
    const r = await cli('rerun', '20200101-000000-sample-abcdef');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no run/);
  });
});

describe('scorescope runs remove', () => {
  it('removes a run without asking when not on a terminal', async () => {
    expect((await json<{ removed: boolean }>('runs', 'remove', vectorSample)).removed).toBe(true);
    expect(existsSync(join(ws, 'runs', vectorSample))).toBe(false);
  });
});
