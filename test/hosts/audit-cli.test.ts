/**
 * `scorescope audit ...` run in-process through the CLI's main(argv) on the CIFAR-10 mini
 * archive: the --json shape with known answers, --out writing every export, and errors that
 * name the problem (exit 1, no run folder).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { importDataset, loadSplit } from '../../electron/workspace/datasets';
import { writeNpz } from '../../native-data';
import { runCli } from '../helpers/cli';
import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { tempDir } from '../native-data/fixtures';
import { buildAuditSamples, writeAuditSamplesNpz, type AuditSamples } from './audit-fixtures';

const cli = (...argv: string[]) => runCli(argv);

interface Neighbour { index: number; label: number | null; distance: number }
interface SampleJson { index: number; neighbours: Neighbour[]; ratio: number; memorized: boolean }
interface AuditJson {
  run: string; dir: string; count: number; k: number; memorizedFraction: number; memorizedCI: [number, number];
  medianD1: number; medianRatio: number; ct: number | null; authenticity: number | null; coverage: { distinct: number; fraction: number };
  perClass: { label: number; name: string | null; count: number; memorized: number }[] | null;
  perSample: SampleJson[]; exports: { kind: string; path: string; bytes: number }[] | null;
}

let dir = '';
let cleanup = async () => {};
let ws = '';
let npz = '';
let samples: AuditSamples;
const D = 32 * 32 * 3;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('ss-cli-audit-'));
  ws = join(dir, 'ws');
  await importDataset(ws, MINI);
  const train = (await loadSplit(ws, 'cifar10:train')).data as Uint8Array;
  const test = (await loadSplit(ws, 'cifar10:test')).data as Uint8Array;
  samples = buildAuditSamples(train, test, D, { copies: [1, 2, 3, 4], noisy: [10, 20, 30, 40], tests: [20, 21, 22, 23, 24, 25, 26, 27] });
  npz = join(dir, 'samples.npz');
  await writeAuditSamplesNpz(npz, samples, [32, 32, 3]);
});
afterAll(async () => {
  await cleanup();
});

const runs = async () => (await readdir(join(ws, 'runs')).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));

describe('scorescope audit', () => {
  it('prints one JSON object with the metrics and every sample\'s neighbours, and writes the exports with --out', async () => {
    const out = join(dir, 'out');
    const r = await cli('audit', '--samples', npz, '--train', 'cifar10', '--test', 'cifar10:test', '--k', '4', '--threshold', '0.3333', '--out', out, '--workspace', ws, '--json');
    expect(r.stderr).not.toMatch(/ignored unknown option/);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as AuditJson;
    expect(j.count).toBe(16);
    expect(j.k).toBe(4);
    expect(j.memorizedFraction).toBe(0.5);
    expect(j.memorizedCI[0]).toBeLessThan(0.5);
    expect(j.memorizedCI[1]).toBeGreaterThan(0.5);
    for (const key of ['medianD1', 'medianRatio', 'ct', 'authenticity', 'coverage', 'perClass']) expect(j).toHaveProperty(key);
    expect(typeof j.medianD1).toBe('number');
    expect(j.perClass).toHaveLength(10);
    expect(j.perSample).toHaveLength(16);
    samples.sources.forEach((s, i) => {
      const p = j.perSample[i]!;
      expect(p.index).toBe(i);
      expect(p.neighbours).toHaveLength(4);
      expect(Object.keys(p.neighbours[0]!).sort()).toEqual(['distance', 'index', 'label']);
      if (s.kind === 'copy') expect(p.neighbours[0]).toMatchObject({ index: s.index, distance: 0 });
      if (s.kind === 'noisy') expect(p.neighbours[0]!.index).toBe(s.index);
      expect(p.memorized).toBe(s.kind !== 'test');
      expect(p.ratio < 0.3333).toBe(p.memorized);
    });
    expect(j.run).toMatch(/^\d{8}-\d{6}-audit-[0-9a-f]{6}$/);
    expect(j.dir).toBe(join(ws, 'runs', j.run));
    expect(j.exports!.map((e) => e.kind)).toEqual(['html', 'gallery', 'csv', 'metrics', 'samples', 'neighbours']);
    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(6);
    const html = await readFile(join(out, `${j.run}-report.html`), 'utf8');
    expect(html).toContain('data:image/png;base64,');
    expect(html).toContain('<svg');
  });

  it('prints a readable summary without --json', async () => {
    const r = await cli('audit', '--samples', npz, '--train', 'cifar10:train', '--workspace', ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/memorised\s+50\.0%\s+\(95% CI/);
    expect(r.stdout).toMatch(/run folder/);
  });

  it('fails with a message naming the problem and leaves no run folder', async () => {
    const before = await runs();
    const missing = await cli('audit', '--samples', join(dir, 'missing'), '--train', 'cifar10', '--workspace', ws, '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ error: expect.stringMatching(/missing: no such file or folder/) });
    const wrong = join(dir, 'wrong.npz');
    await writeNpz(wrong, { arr_0: { data: new Uint8Array(2 * 28 * 28), shape: [2, 28, 28, 1] } });
    const shape = await cli('audit', '--samples', wrong, '--train', 'cifar10', '--workspace', ws);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toMatch(/are 28x28x1 images but the training split cifar10:train holds 32x32x3 images/);
    const noTrain = await cli('audit', '--samples', npz, '--workspace', ws);
    expect(noTrain.code).toBe(1);
    expect(noTrain.stderr).toMatch(/--train is required/);
    expect(await runs()).toEqual(before);
  });
});
