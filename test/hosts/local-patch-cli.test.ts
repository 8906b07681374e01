/**
 * `scorescope sample --score local` in-process through the CLI's main(argv), on the CIFAR-10 mini
 * archive (300 training images): from the same seed, the local patch score machine (docs/math.md §6,
 * Kamb & Ganguli's LS) makes patch mosaics far from every training image where s_N copies;
 * run.json records the patch (given, or the default: a third of the image side); the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset, synthDataset } from '../../electron/workspace/datasets';
import { SampleRequest } from '../../electron/contract';
import { CIFAR_MINI } from '../helpers/shared-data';
import { cliFor } from '../helpers/cli';

interface RunJson {
  run: string;
  dir: string;
  title: string;
  params: Record<string, unknown>;
  summary: { memorizedFraction: number; medianNearestDistance: number; patch?: number };
}

let ws = '';
const { json, refusal } = cliFor<RunJson>(() => ws);
const haveCifar = existsSync(CIFAR_MINI);

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-local-cli-'));
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
  if (haveCifar) await importDataset(ws, CIFAR_MINI, { name: 'cifar-mini' });
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

const SAME = ['--data', 'cifar-mini', '--subset', '300', '--sampler', 'edm', '--steps', '12', '--delta', '0.002', '--n', '8', '--seed', '0'];

describe('scorescope sample --score local', () => {
  it.skipIf(!haveCifar)('memorises clearly less than --score empirical from the same seed; run.json records the patch', async () => {
    const empirical = await json('sample', ...SAME, '--score', 'empirical');
    const local = await json('sample', ...SAME, '--score', 'local', '--patch', '5');
    // measured (wasm, 2 cores): empirical 8/8 memorised, median NN distance 1.75 (L2 on pixels in [0, 1], D = 3072);
    // local 5x5: 0/8, 11.35 (patch mosaics; 3 s for 24 evaluations)
    expect(empirical.summary.memorizedFraction).toBe(1);
    expect(local.summary.memorizedFraction).toBeLessThanOrEqual(0.125);
    expect(local.summary.medianNearestDistance).toBeGreaterThan(4 * empirical.summary.medianNearestDistance);
    expect(local.summary.patch).toBe(5);
    expect(local.params).toMatchObject({ score: 'local', patch: 5 });
    expect(local.title).toMatch(/local score 5×5/);
    const manifest = JSON.parse(readFileSync(join(local.dir, 'run.json'), 'utf8')) as { details: Record<string, unknown> };
    expect(manifest.details['score']).toMatch(/local patch score machine \(Kamb & Ganguli, LS\).* 300 training images.* 5x5 patch/);
    expect(manifest.details['localPatch']).toMatchObject({ patch: 5, patchFrom: 'request', itemShape: [32, 32, 3] });
    expect(existsSync(join(local.dir, 'figure-nearest.png'))).toBe(true);
  });

  it.skipIf(!haveCifar)('defaults to a third of the image side (11 for 32x32)', async () => {
    const byDefault = await json('sample', ...SAME, '--n', '2', '--score', 'local');
    expect(byDefault.params['patch']).toBe(11);
    const manifest = JSON.parse(readFileSync(join(byDefault.dir, 'run.json'), 'utf8')) as { details: { localPatch: Record<string, unknown> } };
    expect(manifest.details.localPatch['patchFrom']).toBe('default');
    expect(byDefault.summary.memorizedFraction).toBe(0);
  });

  it('refuses vector data, even or too large patches, and --patch without --score local', async () => {
    expect(await refusal('sample', '--data', 'g2', '--score', 'local', '--sampler', 'ei', '--steps', '2')).toMatch(/the local patch score works on images; dataset g2:train holds 2-D vectors/);
    expect(await refusal('sample', '--data', 'g2', '--patch', '5')).toMatch(/--patch is only used with --score local/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'empirical', '--patch', '5')).toMatch(/--patch is only used with --score local/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'local', '--patch', '4')).toMatch(/patch must be odd/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'local', '--sampler', 'kde')).toMatch(/use score "empirical" with them/);
    if (haveCifar) {
      expect(await refusal('sample', '--data', 'cifar-mini', '--subset', '10', '--score', 'local', '--patch', '65', '--steps', '2'))
        .toMatch(/patch must be an odd integer from 1 to 63 .* 32x32x3 images; got 65/);
    }
    // the contract says the same to every host
    const issues = (request: Record<string, unknown>) => SampleRequest.safeParse({ data: 'g2', ...request }).error?.issues.map((i) => i.message).join('; ');
    expect(issues({ patch: 5 })).toMatch(/patch is only used with score "local"/);
    expect(issues({ score: 'local', patch: 6 })).toMatch(/patch must be odd/);
    expect(issues({ score: 'local', patch: 5 })).toBeUndefined();
  });
});
