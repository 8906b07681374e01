/**
 * `scorescope train-score --model unet` end to end through the CLI on a tiny image dataset
 * (12 images of 8 x 8 x 3): the run it writes, sampling with it through every sampler, the
 * refusals, and a training killed with SIGKILL mid-way (a real child process running the built
 * CLI) that resumes from its last checkpoint to exactly the weights of an uninterrupted one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importDataset, synthDataset } from '../../electron/workspace/datasets';
import { readNpz, writeNpz } from '../../native-data';
import { cliFor } from '../helpers/cli';

let ws = '';
const { json, refusal } = cliFor(() => ws);
const CLI = resolve(__dirname, '../../bin/scorescope.js');
/** A small U-Net that trains in a fraction of a second per step here. */
const NET = ['--model', 'unet', '--channels', '8', '--channel-multipliers', '1,2', '--batch', '4', '--seed', '3'];

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-unet-cli-'));
  const file = join(ws, 'tiny-images.npz');
  await writeNpz(file, { arr_0: { data: Uint8Array.from({ length: 12 * 192 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 24) & 255), shape: [12, 8, 8, 3] } });
  await importDataset(ws, file, { name: 'tiny' });
  await synthDataset(ws, { kind: 'gaussian', mean: [0, 0], variance: 1, n: 20, seed: 1 }, { name: 'g2' });
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

const bytesOf = async (dir: string) => {
  const w = await readNpz(join(dir, 'weights.npz'));
  return Object.fromEntries(Object.entries(w).map(([k, a]) => [k, Buffer.from((a.data as Float32Array).buffer, (a.data as Float32Array).byteOffset, (a.data as Float32Array).byteLength).toString('base64')]));
};

describe('scorescope train-score --model unet', () => {
  let model = '';

  it('trains a U-Net on images and writes the run (EMA weights, loss curve, architecture, backend, memory)', async () => {
    const r = await json('train-score', '--data', 'tiny', ...NET, '--steps', '8', '--flips');
    model = r.run;
    expect(r.kind).toBe('train-score');
    expect(r.summary).toMatchObject({ network: 'unet', steps: 8, dimension: 192, trainingItems: 12, backend: expect.any(String) });
    expect(r.params).toMatchObject({ model: 'unet', channels: 8, channelMultipliers: [1, 2], batch: 4, ema: 0.999, flips: true, warmup: 4, checkpointEvery: 200 });
    expect(r.files).toEqual(['figure-loss.svg', 'table.csv', 'table.json', 'weights.npz']);
    const manifest = JSON.parse(readFileSync(join(r.dir, 'run.json'), 'utf8')) as { environment: Record<string, unknown>; details: { architecture: Record<string, unknown> } };
    expect(manifest.details.architecture).toMatchObject({ kind: 'unet', imageShape: [8, 8, 3], channels: 8, preconditioning: { kind: 'edm', sigmaData: 0.5 } });
    expect(manifest.environment['peakTensorMB']).toBeGreaterThan(0);
    expect(readFileSync(join(r.dir, 'table.csv'), 'utf8').split('\n')[0]).toBe('step,loss,smoothedLoss,gradientNorm,learningRate');
    // a finished training leaves no checkpoint folder behind
    expect(existsSync(join(ws, 'checkpoints', r.run))).toBe(false);
  });

  it('samples images with it through every sampler', async () => {
    for (const sampler of ['sde', 'ei', 'ode', 'heun', 'edm']) {
      const r = await json('sample', '--data', 'tiny', '--score', 'learned', '--model', model, '--sampler', sampler, '--n', '3', '--steps', '4');
      expect(r.summary, sampler).toMatchObject({ score: 'learned', model, sampler, n: 3 });
      const samples = await readNpz(join(r.dir, 'samples.npz'));
      expect(samples['arr_0']!.shape, sampler).toEqual([3, 8, 8, 3]);
    }
  });

  it('reproduce learned-vs-empirical on images: the network and s_N from the same noise, audited, and the score error per noise level', async () => {
    const r = await json('reproduce', 'learned-vs-empirical', '--data', 'tiny', '--model', model, '--n', '6', '--steps', '60', '--sampler', 'ei');
    expect(r.kind).toBe('experiment:learned-vs-empirical');
    expect(r.files).toEqual(expect.arrayContaining(['figure-samples.png', 'figure-score-error.svg', 'table.csv', 'table-score-error.csv', 'samples.npz']));
    const errors = JSON.parse(readFileSync(join(r.dir, 'table-score-error.json'), 'utf8')) as { t: number; relativeErrorAgainstEmpirical: number }[];
    expect(errors.map((e) => e.t)).toEqual([0.001, 0.01, 0.1, 0.5, 1, 2]);
    for (const e of errors) expect(e.relativeErrorAgainstEmpirical).toBeGreaterThan(0);
    // s_N at delta = 0.002 copies its 12 training images (docs/math.md §3)
    expect((r.summary['memorizedFraction'] as { empirical: number }).empirical).toBe(1);
    const samples = await readNpz(join(r.dir, 'samples.npz'));
    expect(samples['learned']!.shape).toEqual([6, 8, 8, 3]);
  });

  it('checks --out before any work: a file, a path through a file, or /proc is refused and no run is written', async () => {
    const runs = () => (existsSync(join(ws, 'runs')) ? readdirSync(join(ws, 'runs')).sort() : []);
    const before = runs();
    const file = join(ws, 'a-file.txt');
    writeFileSync(file, 'x');
    const args = ['train-score', '--data', 'g2', '--steps', '1'];
    expect(await refusal(...args, '--out', file)).toMatch(/--out .*a-file\.txt: .* is a file, not a folder/);
    expect(await refusal(...args, '--out', join(file, 'sub'))).toMatch(/--out .*: cannot write a folder there \(a part of the path is a file\)/);
    expect(await refusal(...args, '--out', '/proc/self/runs')).toMatch(/inside a kernel pseudo-filesystem/);
    expect(await refusal('audit', '--samples', file, '--train', 'tiny', '--out', file)).toMatch(/is a file, not a folder/);
    expect(runs()).toEqual(before);
  });

  it('refuses a U-Net on vectors, an MLP on images, a resume without checkpoints, and a model of another shape', async () => {
    expect(await refusal('train-score', '--data', 'g2', '--model', 'unet')).toMatch(/the U-Net takes images; dataset g2:train holds 2 vectors \(use --model mlp\)/);
    expect(await refusal('train-score', '--data', 'tiny', '--model', 'mlp')).toMatch(/MLP score network takes vectors with D <= 64; dataset tiny:train has D = 192 \(images: use --model unet\)/);
    expect(await refusal('train-score', '--resume', '20200101-000000-train-score-abcdef')).toMatch(/no checkpoints for training 20200101-000000-train-score-abcdef/);
    expect(await refusal('sample', '--data', 'g2', '--score', 'learned', '--model', model)).toMatch(/was trained on 8x8x3 images .*; g2:train holds 2-D items/);
    expect(await refusal('train-score', '--data', 'tiny', ...NET, '--channel-multipliers', '1,2,2,2,2')).toMatch(/H and W must be multiples of 16; got 8x8/);
  });

  it('resumes a training killed with SIGKILL to exactly the weights of an uninterrupted one', async () => {
    const args = ['train-score', '--data', 'tiny', ...NET, '--steps', '150', '--checkpoint-every', '5'];
    const whole = await json(...args);
    const child = spawn(process.execPath, [CLI, ...args, '--workspace', ws], { stdio: 'ignore' });
    const checkpoints = join(ws, 'checkpoints');
    // wait for a complete checkpoint at step 10 or later, then kill without warning (long before step 150)
    let id = '';
    for (let i = 0; i < 600 && !id; i++) {
      await new Promise((r) => setTimeout(r, 100));
      for (const d of existsSync(checkpoints) ? readdirSync(checkpoints) : []) {
        if (readdirSync(join(checkpoints, d)).some((f) => /^checkpoint-[1-9]\d+\.json$/.test(f))) id = d;
      }
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(id, 'a checkpoint at step 10 or later appeared').not.toBe('');
    expect(existsSync(join(ws, 'runs', id)), 'the killed training wrote no run').toBe(false);
    const resumed = await json('train-score', '--resume', id);
    expect(resumed.run).toBe(id);
    expect(resumed.summary['resumedFrom']).toBeGreaterThanOrEqual(10);
    expect(await bytesOf(resumed.dir)).toEqual(await bytesOf(whole.dir));
    expect(readFileSync(join(resumed.dir, 'table.csv'), 'utf8')).toBe(readFileSync(join(whole.dir, 'table.csv'), 'utf8'));
    expect(existsSync(join(checkpoints, id))).toBe(false);
  }, 180_000);

  it('cancels a training on SIGTERM like Ctrl-C: exit 1 with "cancelled", no run, its checkpoint kept for --resume', async () => {
    const child = spawn(process.execPath, [CLI, 'train-score', '--data', 'tiny', ...NET, '--steps', '5000', '--checkpoint-every', '5', '--workspace', ws], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => void (stderr += String(d)));
    const before = existsSync(join(ws, 'checkpoints')) ? readdirSync(join(ws, 'checkpoints')) : [];
    let id = '';
    for (let i = 0; i < 600 && !id; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = existsSync(join(ws, 'checkpoints')) ? readdirSync(join(ws, 'checkpoints')) : [];
      id = now.find((d) => !before.includes(d) && readdirSync(join(ws, 'checkpoints', d)).some((f) => f.startsWith('checkpoint-'))) ?? '';
    }
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(id).not.toBe('');
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/cancelled/);
    expect(existsSync(join(ws, 'runs', id))).toBe(false);
    expect(readdirSync(join(ws, 'checkpoints', id)).some((f) => /^checkpoint-\d+\.json$/.test(f))).toBe(true);
  }, 120_000);

  it('reproduce memorisation-vs-n: a network per N from the same noise, audited beside s_N, with its figures and table', async () => {
    const r = await json('reproduce', 'memorisation-vs-n', '--data', 'tiny', '--ns', '4,12', '--preset', 'tiny', '--train-steps', '6', '--batch', '4', '--n', '6', '--steps', '18');
    expect(r.kind).toBe('experiment:memorisation-vs-n');
    expect(r.files).toEqual(expect.arrayContaining(['figure-memorization.svg', 'figure-distance.svg', 'figure-samples.png', 'table.csv', 'table.json']));
    const rows = JSON.parse(readFileSync(join(r.dir, 'table.json'), 'utf8')) as Record<string, number | string>[];
    expect(rows.map((row) => row['N'])).toEqual([4, 12]);
    for (const row of rows) {
      // each N's network is a train-score run of its own
      const model = JSON.parse(readFileSync(join(ws, 'runs', String(row['model']), 'run.json'), 'utf8')) as { kind: string; summary: { trainingItems: number } };
      expect(model.kind).toBe('train-score');
      expect(model.summary.trainingItems).toBe(row['N']);
      // s_N stopped at delta = 0.002 copies its training images (docs/math.md §3)
      expect(row['empiricalMemorized']).toBe(1);
      expect(row['unetMemorizedLo']).toBeLessThanOrEqual(row['unetMemorized'] as number);
    }
    expect(r.summary).toMatchObject({ Ns: [4, 12], samplesPerN: 6, trainSteps: 6 });
  }, 120_000);
});

