/**
 * `scorescope train-score`, `sample --score learned --model ID` and `reproduce learned-vs-empirical`
 * in-process through the CLI's main(argv), on the paper's 2-D set (N = 100 from N((-5, 5), 10 I)):
 * the run's files, the model recorded by sampling runs, the paper's point (a trained network
 * memorises far less than s_N from the same noise), and the refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset, synthDataset } from '../../electron/workspace/datasets';
import { readNpz, writeNpz } from '../../native-data';
import { cliFor, type CliRunJson as RunJson } from '../helpers/cli';


let ws = '';
const { json, refusal } = cliFor(() => ws);
let model = '';




beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-learned-cli-'));
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
  await synthDataset(ws, { kind: 'gaussian', mean: [0, 0, 0, 0, 0], variance: 1, n: 40, seed: 1 }, { name: 'g5' });
  await synthDataset(ws, { kind: 'gaussian', mean: Array.from({ length: 80 }, () => 0), variance: 1, n: 10, seed: 1 }, { name: 'g80' });
  // a tiny image dataset: 12 uint8 images of 8 x 8 x 3
  const file = join(ws, 'tiny-images.npz');
  await writeNpz(file, { arr_0: { data: Uint8Array.from({ length: 12 * 192 }, (_, i) => (i * 37) % 256), shape: [12, 8, 8, 3] } });
  await importDataset(ws, file, { name: 'tiny' });
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('scorescope train-score', () => {
  it('writes run.json, weights.npz (numpy layout), the loss table and figure, and prints the summary', async () => {
    const r = await json('train-score', '--data', 'g2', '--steps', '1000', '--seed', '0');
    model = r.run;
    expect(r.kind).toBe('train-score');
    expect(r.params).toMatchObject({ data: 'g2:train', subset: 100, steps: 1000, batch: 256, width: 128, depth: 3, lr: 0.002, T: 5, tMin: 0.001, seed: 0 });
    // (2 + 9) * 128 + 128 + 2 * (128^2 + 128) + 128 * 2 + 2; loss per coordinate measured ~0.8 (a zero predictor scores 1)
    expect(r.summary).toMatchObject({ steps: 1000, parameters: 34818, dimension: 2, data: 'g2:train (N=100)', trainingItems: 100 });
    expect(r.summary['finalLoss']).toBeLessThan(0.9);
    expect(r.timings['train']).toBeGreaterThan(0);
    expect(r.files).toEqual(['figure-loss.svg', 'table.csv', 'table.json', 'weights.npz']);
    const manifest = JSON.parse(readFileSync(join(r.dir, 'run.json'), 'utf8')) as { details: { dataset: { ref: string; sha256: string }; architecture: Record<string, unknown> } };
    expect(manifest.details.dataset.ref).toBe('g2:train');
    expect(manifest.details.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.details.architecture).toMatchObject({ dimension: 2, width: 128, depth: 3, frequencies: 4 });
    const weights = await readNpz(join(r.dir, 'weights.npz'));
    expect(Object.fromEntries(Object.entries(weights).map(([k, a]) => [k, a.shape]))).toEqual({
      hidden0_x_kernel: [2, 128], hidden0_t_kernel: [9, 128], hidden0_bias: [128],
      hidden1_kernel: [128, 128], hidden1_bias: [128], hidden2_kernel: [128, 128], hidden2_bias: [128],
      output_kernel: [128, 2], output_bias: [2],
    });
    expect(weights['output_kernel']!.dtype.descr).toBe('<f4');
    const table = readFileSync(join(r.dir, 'table.csv'), 'utf8').trim().split('\n');
    expect(table[0]).toBe('step,loss,smoothedLoss,gradientNorm,learningRate');
    expect(table.at(-1)).toMatch(/^1000,/);
    expect(readFileSync(join(r.dir, 'figure-loss.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('sample --score learned --model ID records the model and memorises far less than s_N from the same noise', async () => {
    const common = ['--data', 'g2', '--n', '500', '--steps', '200', '--seed', '1'];
    const learned = await json('sample', ...common, '--score', 'learned', '--model', model);
    const empirical = await json('sample', ...common, '--score', 'empirical');
    expect(learned.params).toMatchObject({ score: 'learned', model });
    expect(learned.summary['model']).toBe(model);
    expect(learned.summary['warnings']).toBeUndefined(); // delta 0.001 and T 5: inside [tMin, T] of training
    const manifest = JSON.parse(readFileSync(join(learned.dir, 'run.json'), 'utf8')) as { details: { score: string; model: Record<string, unknown> } };
    expect(manifest.details.score).toMatch(new RegExp(`learned score .* train-score run ${model}, trained on g2:train`));
    expect(manifest.details.model).toMatchObject({ run: model, dataRef: 'g2:train', steps: 1000, architecture: { dimension: 2, width: 128, depth: 3 } });
    // measured: learned 9.6% memorised (median NN 0.55), s_N 94.4% (median NN 0.051); exact Gaussian score ~13%
    const m = (r: RunJson) => r.summary['memorizedFraction'] as number;
    const nn = (r: RunJson) => r.summary['medianNearestDistance'] as number;
    expect(m(empirical)).toBeGreaterThan(0.85);
    expect(m(learned)).toBeLessThan(0.3);
    expect(nn(learned)).toBeGreaterThan(5 * nn(empirical));
    // the denoiser form drives EDM Heun too
    const edm = await json('sample', '--data', 'g2', '--score', 'learned', '--model', model, '--sampler', 'edm', '--steps', '30', '--n', '100');
    expect(m(edm)).toBeLessThan(0.4);
    // below the trained range of t the score is extrapolated: the run says so
    const outside = await json('sample', '--data', 'g2', '--score', 'learned', '--model', model, '--delta', '0.0001', '--steps', '20', '--n', '20');
    expect(outside.summary['warnings']).toEqual([expect.stringMatching(new RegExp(`network of run ${model} was trained on t in \\[0\\.001, 5\\]; this run samples t in \\[0\\.0001, 5\\]: below that range`))]);
  });

  it('reproduce learned-vs-empirical: reuses a model, or trains one on the paper set and reports score errors', async () => {
    const r = await json('reproduce', 'learned-vs-empirical', '--data', 'g2', '--model', model, '--n', '300', '--steps', '100');
    expect(r.kind).toBe('experiment:learned-vs-empirical');
    expect(r.summary['model']).toBe(model);
    const memorised = r.summary['memorizedFraction'] as { learned: number; empirical: number };
    expect(memorised.empirical).toBeGreaterThan(memorised.learned + 0.5);
    expect(r.files).toEqual(expect.arrayContaining(['figure-samples.svg', 'table.csv', 'table.json', 'samples.npz']));
    const samples = await readNpz(join(r.dir, 'samples.npz'));
    expect(samples['learned']!.shape).toEqual([300, 2]);
    expect(samples['empirical']!.shape).toEqual([300, 2]);

    const trained = await json('reproduce', 'learned-vs-empirical', '--train-steps', '200', '--n', '100', '--steps', '50');
    const newModel = trained.summary['model'] as string;
    expect(newModel).not.toBe(model);
    expect(trained.files).toContain('table-score-error.csv');
    expect(Object.keys(trained.summary['relativeScoreError'] as object)).toEqual(['t=0.01', 't=0.1', 't=0.5', 't=1']);
    const models = await json<{ runs: { id: string; summary: { data: string } }[] }>('runs', 'list', '--kind', 'train-score');
    expect(models.runs.map((x) => x.id).sort()).toEqual([model, newModel].sort());
    expect(models.runs.find((x) => x.id === newModel)!.summary.data).toBe('2-D Gaussian N((-5, 5), 10 I) (N=100)');
  });

  it('refuses the MLP on images and on D > 64, a dimension mismatch, a missing or wrong model, and --score/--model misuse', async () => {
    expect(await refusal('train-score', '--data', 'tiny', '--model', 'mlp', '--steps', '5'))
      .toMatch(/the MLP score network takes vectors with D <= 64; dataset tiny:train has D = 192 \(images: use --model unet\)/);
    expect(await refusal('train-score', '--data', 'g80', '--steps', '5')).toMatch(/D <= 64; dataset g80:train has D = 80/);
    expect(await refusal('sample', '--data', 'g5', '--score', 'learned', '--model', model))
      .toMatch(new RegExp(`run ${model} \\(MLP 3×128\\) was trained on 2-D data \\(g2:train \\(N=100\\)\\); g5:train holds 5-D items`));
    expect(await refusal('sample', '--data', 'tiny', '--score', 'learned', '--model', model)).toMatch(/holds 8x8x3 images/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'learned', '--model', '20200101-000000-train-score-abcdef'))
      .toMatch(/no run "20200101-000000-train-score-abcdef".*scorescope train-score/);
    const sampleRun = (await json<{ runs: { id: string }[] }>('runs', 'list', '--kind', 'sample')).runs[0]!.id;
    expect(await refusal('sample', '--data', 'g2', '--score', 'learned', '--model', sampleRun)).toMatch(/is a "sample" run, not a train-score run/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'learned')).toMatch(/--score learned needs --model <run id>/);
    expect(await refusal('sample', '--data', 'g2', '--model', model)).toMatch(/--model is only used with --score learned/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'learned', '--model', model, '--sampler', 'kde')).toMatch(/kde samplers draw from the training set directly/);
    expect(await refusal('train-score', '--data', 'g2', '--lr', 'NaN')).toMatch(/--lr must be a number/);
    expect(await refusal('train-score', '--data', 'g2', '--depth', '0')).toMatch(/depth/);
    expect(await refusal('train-score')).toMatch(/--data is required/);
  });
});
