/**
 * `scorescope sample | reproduce | sweep | runs` run in-process through the CLI's main(argv),
 * stdout captured (--json prints exactly one object), on a 100-point 2-D Gaussian and the
 * bit-exact CIFAR-10 mini archive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset, synthDataset } from '../../electron/workspace/datasets';
import { readNpz } from '../../native-data';
import sharp from 'sharp';

import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { cliFor } from '../helpers/cli';




let ws = '';
const { cli, json } = cliFor(() => ws);
let outDir = '';

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-sampling-cli-'));
  outDir = mkdtempSync(join(tmpdir(), 'ss-sampling-out-'));
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
});

afterAll(() => {
  rmSync(ws, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

describe('scorescope sample', () => {
  it('writes run.json and samples.npz, prints the run summary, copies to --out', async () => {
    const r = await json('sample', '--data', 'g2', '--score', 'empirical', '--sampler', 'ei', '--delta', '0.002', '--steps', '60', '--n', '40', '--seed', '3', '--out', outDir);
    expect(r.kind).toBe('sample');
    expect(r.params).toMatchObject({ data: 'g2:train', sampler: 'ei', score: 'empirical', delta: 0.002, steps: 60, n: 40, seed: 3, T: 5, grid: 'geometric' });
    expect(r.timings['total']).toBeGreaterThan(0);
    expect(r.summary['memorizedFraction']).toBeGreaterThan(0.5);
    const manifest = JSON.parse(readFileSync(join(r.dir, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['id']).toBe(r.run);
    // the tfjs-path project (vitest.config.ts) runs this file with the native kernels off
    if (process.env['SCORESCOPE_NATIVE'] === '0') expect((manifest['environment'] as { kernels: string }).kernels).toBe('tfjs');
    const arr = (await readNpz(join(r.dir, 'samples.npz')))['arr_0']!;
    expect(arr.shape).toEqual([40, 2]);
    expect(arr.dtype.descr).toBe('<f4');
    expect(r.out).toBe(join(outDir, r.run));
    expect(readdirSync(r.out!).sort()).toEqual(readdirSync(r.dir).sort());
  });

  it('takes the bandwidth instead of delta, and refuses both, NaN, and unknown choices', async () => {
    const r = await json('sample', '--data', 'g2', '--sampler', 'kde', '--bandwidth', '0.2', '--n', '10');
    expect(r.params['delta']).toBeCloseTo(-0.5 * Math.log(1 - 0.04), 12);
    expect(r.params['bandwidth']).toBe(0.2);

    const both = await cli('sample', '--data', 'g2', '--delta', '0.01', '--bandwidth', '0.1', '--json');
    expect(both.code).toBe(1);
    expect(JSON.parse(both.stdout).error).toMatch(/--delta or --bandwidth, not both/);
    const nan = await cli('sample', '--data', 'g2', '--delta', 'NaN');
    expect(nan.code).toBe(1);
    expect(nan.stderr).toMatch(/--delta must be a number/);
    const sampler = await cli('sample', '--data', 'g2', '--sampler', 'magic');
    expect(sampler.stderr).toMatch(/--sampler must be one of sde, ei, ode, heun, edm, kde, cifar-kde/);
    const missing = await cli('sample', '--data', 'nosuch', '--n', '4');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no dataset "nosuch"/);
    const big = await cli('sample', '--data', 'g2', '--subset', '500');
    expect(big.stderr).toMatch(/subset: 500 is larger than "g2:train" \(100 items\)/);
    const past = await cli('sample', '--data', 'g2', '--bandwidth', '0.99999');
    expect(past.stderr).toMatch(/not below T = 5/);
  });
});

describe('scorescope reproduce / sweep / runs', () => {
  it('reproduce gaussian2d (few steps): the empirical score memorises more than the Gaussian score', async () => {
    const r = await json('reproduce', 'gaussian2d', '--steps', '500', '--n', '300');
    const memorised = r.summary['memorizedFraction'] as { empirical: number; gaussian: number };
    expect(memorised.empirical).toBeGreaterThan(memorised.gaussian + 0.3);
    expect(r.files).toEqual(expect.arrayContaining(['figure-samples.svg', 'table.csv', 'table.json', 'samples.npz']));
    const csv = readFileSync(join(r.dir, 'table.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^score,memorizedFraction,medianNearestDistance/);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['empirical', 'gaussian']);
  });

  it('sweep writes a table with one row per delta, memorisation falling as delta grows', async () => {
    const r = await json('sweep', '--data', 'g2', '--deltas', '0.3,0.0005,0.02', '--n', '150', '--steps', '100');
    const rows = JSON.parse(readFileSync(join(r.dir, 'table.json'), 'utf8')) as { delta: number; memorizedFraction: number; bandwidth: number; mutualInformation: number }[];
    expect(rows.map((x) => x.delta)).toEqual([0.0005, 0.02, 0.3]);
    // the KDE's mutual information falls from about log N as the kernels widen (same draws at every delta)
    expect(r.summary['logN']).toBeCloseTo(Math.log(100), 12);
    expect(rows[0]!.mutualInformation).toBeGreaterThan(0.99 * Math.log(100));
    expect(rows[0]!.mutualInformation).toBeLessThanOrEqual(Math.log(100) + 1e-9);
    expect(rows[2]!.mutualInformation).toBeLessThan(rows[1]!.mutualInformation);
    expect(rows[0]!.memorizedFraction).toBeGreaterThan(rows[2]!.memorizedFraction);
    expect(rows[1]!.bandwidth).toBeCloseTo(Math.sqrt(1 - Math.exp(-0.04)), 12);
    expect(readFileSync(join(r.dir, 'table.csv'), 'utf8').split('\n')[0]).toMatch(/^delta,bandwidth,expectedNoiseNorm,memorizedFraction/);
    expect(r.files).toContain('figure-delta-sweep.svg');
  });

  it('reproduce score-error fits a slope near -1', async () => {
    const r = await json('reproduce', 'score-error', '--ns', '50,100,200,400', '--sets', '2', '--h', '0.1', '--samples-per-time', '200');
    expect(r.summary['slope']).toBeGreaterThan(-1.35);
    expect(r.summary['slope']).toBeLessThan(-0.65);
    expect(r.files).toEqual(expect.arrayContaining(['figure-score-error.svg', 'table.csv']));
  });

  it('reproduce cifar10 says how to get CIFAR-10 when the workspace has none, then runs on the mini archive', async () => {
    const none = await cli('reproduce', 'cifar10', '--n', '2');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no CIFAR-10 dataset in the workspace.*scorescope datasets import .*datasets download cifar10/);
    if (!existsSync(MINI)) return;
    await importDataset(ws, MINI, { name: 'cifar-mini' });
    const r = await json('reproduce', 'cifar10', '--n', '4', '--subset', '300');
    expect(r.summary['memorizedFraction']).toBe(1);
    expect(r.summary['lastSigma']).toBeCloseTo(0.00753, 4);
    const arr = (await readNpz(join(r.dir, 'samples.npz')))['arr_0']!;
    expect(arr.shape).toEqual([4, 32, 32, 3]);
    expect(arr.dtype.descr).toBe('|u1');
  });

  it.skipIf(!existsSync(MINI))('sweep on images draws each sample at every delta above its nearest training image', async () => {
    // needs cifar-mini, imported by the test above
    const r = await json('sweep', '--data', 'cifar-mini', '--subset', '200', '--deltas', '0.5,0.0005', '--n', '5', '--steps', '20');
    expect(r.files).toEqual(expect.arrayContaining(['figure-delta-sweep.svg', 'figure-delta-sweep-samples.png']));
    // in pixel space the kernels barely overlap even at delta = 0.5: the output still names its training image
    const information = r.summary['mutualInformationByDelta'] as Record<string, number>;
    expect(information['0.5']).toBeGreaterThan(0.999 * Math.log(200));
    // rows: delta 0.0005, delta 0.5, nearest training image; 5 columns; 32-px cells, 2-px gutters, x3
    const { data, info } = await sharp(join(r.dir, 'figure-delta-sweep-samples.png')).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([(5 * 34 + 2) * 3, (3 * 34 + 2 + 4 + 2) * 3]);
    const cell = (row: number, col: number) => {
      const out: number[] = [];
      for (let y = 0; y < 96; y++) {
        for (let x = 0; x < 96; x++) {
          const o = (((2 + row * 34) * 3 + y) * info.width + (2 + col * 34) * 3 + x) * info.channels;
          out.push(data[o]!, data[o + 1]!, data[o + 2]!);
        }
      }
      return out;
    };
    const meanAbs = (a: number[], b: number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    for (let j = 0; j < 5; j++) {
      // at delta = 0.0005 the leftover noise is h = 0.032 in [-1, 1] units, about 4 grey levels
      expect(meanAbs(cell(0, j), cell(2, j))).toBeLessThan(8);
      expect(meanAbs(cell(1, j), cell(2, j))).toBeGreaterThan(15);
    }
  });

  it('runs list / show / remove', async () => {
    const list = await json<{ runs: { id: string; kind: string }[] }>('runs', 'list');
    expect(list.runs.length).toBeGreaterThanOrEqual(5);
    const experiments = await json<{ runs: { kind: string }[] }>('runs', 'list', '--kind', 'experiment');
    expect(experiments.runs.every((x) => x.kind.startsWith('experiment:'))).toBe(true);
    const id = list.runs.find((x) => x.kind === 'sample')!.id;
    const shown = await json('runs', 'show', id);
    expect(shown.run).toBe(id);
    expect(shown.files).toContain('samples.npz');
    expect((await json<{ removed: boolean }>('runs', 'remove', id)).removed).toBe(true);
    const again = await cli('runs', 'show', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no run/);
    const bad = await cli('runs', 'show', '../etc');
    expect(bad.stderr).toMatch(/run id/);
  });
});
