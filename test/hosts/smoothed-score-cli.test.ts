/**
 * `scorescope sample --score smoothed` in-process through the CLI's main(argv), on the paper's 2-D
 * set (N = 100 from N((-5, 5), 10 I)): from the same seed, the smoothed closed-form score
 * (docs/math.md §6) memorises clearly less than s_N and its samples lie farther from the training
 * points; run.json records sigma (given or the default spacing) and M; the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthDataset } from '../../electron/workspace/datasets';
import { SampleRequest } from '../../electron/contract';
import { cliFor, type CliRunJson as RunJson } from '../helpers/cli';


let ws = '';
const { json, refusal } = cliFor(() => ws);




beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-smoothed-cli-'));
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

const SAME = ['--data', 'g2', '--sampler', 'sde', '--delta', '0.001', '--steps', '100', '--n', '300', '--seed', '0'];

describe('scorescope sample --score smoothed', () => {
  it('memorises clearly less than --score empirical from the same seed, with larger nearest-neighbour distances', async () => {
    const empirical = await json('sample', ...SAME, '--score', 'empirical');
    const smoothed = await json('sample', ...SAME, '--score', 'smoothed');
    const e = empirical.summary as { memorizedFraction: number; medianNearestDistance: number };
    const s = smoothed.summary as { memorizedFraction: number; medianNearestDistance: number; smoothing: number; smoothingDraws: number };
    // measured (wasm, 2 cores): empirical 97% memorised, median NN distance 0.050; smoothed (sigma 0.619 = the spacing, M = 8) 20%, 0.318
    expect(e.memorizedFraction).toBeGreaterThan(0.9);
    expect(s.memorizedFraction).toBeLessThan(0.4);
    expect(s.memorizedFraction).toBeLessThan(e.memorizedFraction - 0.5);
    expect(s.medianNearestDistance).toBeGreaterThan(4 * e.medianNearestDistance);

    // the default sigma is the median nearest-neighbour spacing of the training points; M = 8
    expect(s.smoothingDraws).toBe(8);
    expect(s.smoothing).toBeGreaterThan(0.3);
    expect(s.smoothing).toBeLessThan(1.2);
    expect(smoothed.params).toMatchObject({ score: 'smoothed', smoothing: s.smoothing, smoothingDraws: 8 });
    expect(smoothed.title).toMatch(/smoothed score σ=0\.\d+ M=8/);
    const manifest = JSON.parse(readFileSync(join(smoothed.dir, 'run.json'), 'utf8')) as { details: Record<string, unknown> };
    expect(manifest.details['score']).toMatch(/smoothed empirical score .* M = 8 .* median nearest-neighbour spacing of 100 training items/);
    expect(manifest.details['smoothing']).toMatchObject({ sigma: s.smoothing, draws: 8, sigmaFrom: 'median nearest-neighbour spacing', spacingItems: 100 });
    expect((manifest.details['noise'] as Record<string, string>)['smoothing']).toMatch(/stream picks/);
  });

  it('takes sigma and M as given; larger sigma moves samples farther from the training points', async () => {
    const small = await json('sample', ...SAME, '--score', 'smoothed', '--smoothing', '0.1', '--smoothing-draws', '4');
    const large = await json('sample', ...SAME, '--score', 'smoothed', '--smoothing', '1.2', '--smoothing-draws', '4');
    expect(small.params).toMatchObject({ smoothing: 0.1, smoothingDraws: 4 });
    const manifest = JSON.parse(readFileSync(join(large.dir, 'run.json'), 'utf8')) as { details: { smoothing: Record<string, unknown> } };
    expect(manifest.details.smoothing).toMatchObject({ sigma: 1.2, draws: 4, sigmaFrom: 'request' });
    const m = (r: RunJson) => r.summary['memorizedFraction'] as number;
    expect(m(large)).toBeLessThan(m(small) - 0.3);
    expect(large.summary['medianNearestDistance'] as number).toBeGreaterThan(small.summary['medianNearestDistance'] as number);
  });

  it('refuses smoothing without --score smoothed, NaN, non-positive sigma, odd draws, and the kde samplers', async () => {
    expect(await refusal('sample', '--data', 'g2', '--smoothing', '0.5')).toMatch(/--smoothing is only used with --score smoothed/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'empirical', '--smoothing-draws', '8')).toMatch(/--smoothing-draws is only used with --score smoothed/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'smoothed', '--smoothing', 'NaN')).toMatch(/--smoothing must be a number/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'smoothed', '--smoothing', '0')).toMatch(/smoothing must be positive/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'smoothed', '--smoothing-draws', '7')).toMatch(/smoothingDraws must be even/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'smoothed', '--sampler', 'kde')).toMatch(/use score "empirical" with them/);
    // the contract says the same to every host
    const issues = (request: Record<string, unknown>) => SampleRequest.safeParse({ data: 'g2', ...request }).error?.issues.map((i) => i.message).join('; ');
    expect(issues({ smoothing: 0.5 })).toMatch(/smoothing is only used with score "smoothed"/);
    expect(issues({ score: 'gaussian', smoothingDraws: 8 })).toMatch(/smoothingDraws is only used with score "smoothed"/);
    expect(issues({ score: 'smoothed', smoothing: Number.NaN })).toBeDefined();
    expect(issues({ score: 'smoothed', smoothing: 0.5, smoothingDraws: 8 })).toBeUndefined();
  });
});
