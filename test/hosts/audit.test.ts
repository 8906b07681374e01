/**
 * Audits through the service (as every host uses them), with known answers on the bit-exact
 * CIFAR-10 mini archive (1000 train / 200 test): exact copies of training images are found at
 * distance 0 with the right index, noisy copies are memorised, held-out test images are not.
 * Also: the cache of data-only pieces, re-counting at another threshold, the image resources
 * checked pixel for pixel, the exports, samples from a sampling run (softmax weights), and
 * errors that name the problem and leave no run folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { createService, type Service } from '../../electron/hosts/service';
import { resolveResource } from '../../electron/hosts/resources';
import type { AuditDetail, AuditSummary } from '../../electron/contract';
import { importDataset, loadSplit } from '../../electron/workspace/datasets';
import { readRun, saveRun } from '../../electron/workspace/runs';
import { readNpz, writeNpy, writeNpz } from '../../native-data';
import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { tempDir } from '../native-data/fixtures';
import { buildAuditSamples, writeAuditSamplesNpz, type AuditSamples } from './audit-fixtures';

let dir = '';
let cleanup = async () => {};
let ws = '';
let service: Service;
let train: Uint8Array;
let test: Uint8Array;
let samples: AuditSamples;
let npz = '';
const D = 32 * 32 * 3;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('ss-host-audit-'));
  ws = join(dir, 'ws');
  await importDataset(ws, MINI);
  train = (await loadSplit(ws, 'cifar10:train')).data as Uint8Array;
  test = (await loadSplit(ws, 'cifar10:test')).data as Uint8Array;
  samples = buildAuditSamples(train, test, D);
  npz = join(dir, 'samples.npz');
  await writeAuditSamplesNpz(npz, samples, [32, 32, 3]);
  service = createService({ workspace: ws, host: 'cli' });
});
afterAll(async () => {
  await service?.close();
  await cleanup();
});

async function audit(request: Record<string, unknown>): Promise<AuditSummary> {
  const { id } = await service.call('audit.start', request);
  const { info, result } = await service.jobs.wait(id);
  if (info.state !== 'done') throw new Error(info.error ?? info.state);
  return result as AuditSummary;
}

async function failure(request: Record<string, unknown>): Promise<string> {
  const { id } = await service.call('audit.start', request);
  const { info } = await service.jobs.wait(id);
  expect(info.state).toBe('failed');
  return info.error ?? '';
}

async function decode(body: Uint8Array) {
  const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

const res = (path: string, query = '') => resolveResource(path.split('/'), new URLSearchParams(query), ws);
const runFolders = async () => (await readdir(join(ws, 'runs')).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));

describe('audit with known answers (CIFAR-10 mini)', () => {
  let summary: AuditSummary;
  let detail: AuditDetail;

  beforeAll(async () => {
    summary = await audit({ samples: npz, train: 'cifar10', test: 'cifar10:test', k: 5 });
    detail = await service.call('audit.show', { id: summary.run });
  });

  it('finds exact copies at distance 0 with the right index, memorises noisy copies, not test images', () => {
    const { columns: c } = detail;
    expect(c.k).toBe(5);
    samples.sources.forEach((s, i) => {
      const nn1 = c.neighbourIndex[i * 5]!;
      const d1 = c.neighbourDistance[i * 5]!;
      const ratio = c.ratio[i]!;
      if (s.kind === 'copy') {
        expect([nn1, d1, ratio]).toEqual([s.index, 0, 0]);
      } else if (s.kind === 'noisy') {
        expect(nn1).toBe(s.index);
        expect(d1).toBeGreaterThan(0);
        expect(ratio).toBeLessThan(1 / 3);
      } else {
        expect(ratio).toBeGreaterThanOrEqual(1 / 3);
      }
      // distances ascend, labels are the training labels of the listed neighbours
      for (let j = 1; j < 5; j++) expect(c.neighbourDistance[i * 5 + j]!).toBeGreaterThanOrEqual(c.neighbourDistance[i * 5 + j - 1]!);
    });
    expect(summary.count).toBe(24);
    expect(summary.memorizedFraction).toBe(0.5);
    expect(summary.memorizedCount).toBe(12);
    expect(summary.memorizedCI[0]).toBeLessThan(0.5);
    expect(summary.memorizedCI[1]).toBeGreaterThan(0.5);
    expect(detail.source).toMatchObject({ kind: 'file', format: 'npz', count: 24, itemShape: [32, 32, 3], run: null });
    expect(detail.train).toMatchObject({ ref: 'cifar10:train', count: 1000 });
    expect(detail.test).toMatchObject({ ref: 'cifar10:test', count: 200 });
    expect(detail.columns.names.slice(0, 2)).toEqual(['samples.npz[0]', 'samples.npz[1]']);
  });

  it('reports every metric family, with labels by class', () => {
    const m = detail.metrics;
    expect(m.perClass).toHaveLength(10);
    expect(m.perClass!.reduce((a, r) => a + r.count, 0)).toBe(24);
    expect(m.perClass!.reduce((a, r) => a + r.memorized, 0)).toBe(12);
    expect(m.perClass![6]!.name).toBe('frog');
    expect(m.trainTestGap).not.toBeNull();
    expect(m.ct).not.toBeNull();
    expect(m.authenticity!.fraction).toBeLessThanOrEqual(0.5); // copies are never authentic
    expect(m.precision).toBeGreaterThan(0);
    expect(m.coverage.distinct).toBeGreaterThanOrEqual(12);
    expect(detail.ratioHistogram.counts.reduce((a, b) => a + b, 0)).toBe(24);
    expect(detail.ratioHistogram.counts[0]).toBeGreaterThanOrEqual(6); // exact copies at 0
  });

  it('saves the audit as a run with every file, stamped', async () => {
    const run = await readRun(ws, summary.run);
    expect(run.kind).toBe('audit');
    expect(run.files).toEqual(['metrics.json', 'neighbours.npz', 'per-sample.csv', 'samples.json', 'samples.npz']);
    expect(run.params).toMatchObject({ k: 5, seed: 0, train: 'cifar10:train', test: 'cifar10:test' });
    const metrics = JSON.parse(await readFile(join(summary.dir, 'metrics.json'), 'utf8')) as { stamp: { dataset: { splitSha256: string; sourceSha256: string } } };
    expect(metrics.stamp.dataset.splitSha256).toBe(detail.train.splitSha256);
    expect(metrics.stamp.dataset.sourceSha256).toBe(detail.train.sourceSha256);
    const csv = (await readFile(join(summary.dir, 'per-sample.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(25);
    expect(csv[0]!.startsWith('index,name,ratio,memorized,d1,d2,nn1_index')).toBe(true);
    expect(csv[1]!.split(',').slice(0, 7)).toEqual(['0', 'samples.npz[0]', '0', 'true', '0', csv[1]!.split(',')[5], '0']);
    const arrays = await readNpz(join(summary.dir, 'neighbours.npz'));
    expect(arrays['indices']!.shape).toEqual([24, 5]);
    expect(arrays['distances']!.dtype.descr).toBe('<f4');
  });

  it('stamps each split with its own content hash, and the source archive hash labelled as such', async () => {
    const fileHash = async (split: string) => createHash('sha256').update(await readFile(join(ws, 'datasets', 'cifar10', `${split}.npy`))).digest('hex');
    expect(detail.train.splitSha256).toBe(await fileHash('train'));
    expect(detail.test!.splitSha256).toBe(await fileHash('test'));
    expect(detail.train.splitSha256).not.toBe(detail.test!.splitSha256);
    // the archive's hash is the same for both splits, and says so
    expect(detail.train.sourceSha256).toBe(detail.test!.sourceSha256);
    expect(detail.train.sourceSha256).not.toBe(detail.train.splitSha256);
    const metrics = JSON.parse(await readFile(join(summary.dir, 'metrics.json'), 'utf8')) as { stamp: { test: { splitSha256: string } } };
    expect(metrics.stamp.test.splitSha256).toBe(await fileHash('test'));
  });

  it('caches the training radii, held-out and leave-one-out distances next to the dataset, and notices a replaced dataset', async () => {
    const first = await readRun(ws, summary.run) as unknown as { details: { cache: Record<string, string> } };
    expect(first.details.cache).toEqual({ trainingRadii: 'computed', heldOut: 'computed', trainSelfDistances: 'computed' });
    const cacheDir = join(ws, 'datasets', 'cifar10', 'cache');
    const files = (await readdir(cacheDir)).sort();
    expect(files).toEqual(['audit-heldout-train-cifar10-test-n2000-s0.json', 'audit-radii-train-k3-n10000-s0.json', 'audit-self-nn1-train.json', 'sha256-test.json', 'sha256-train.json']);

    const again = await audit({ samples: npz, train: 'cifar10:train', test: 'cifar10:test' });
    const second = await readRun(ws, again.run) as unknown as { details: { cache: Record<string, string> } };
    expect(second.details.cache).toEqual({ trainingRadii: 'cached', heldOut: 'cached', trainSelfDistances: 'cached' });
    expect(again.precision).toBe(summary.precision);
    expect(again.ct).toBe(summary.ct);

    // a cache written for other content under the same name is not used
    const radiiFile = join(cacheDir, 'audit-radii-train-k3-n10000-s0.json');
    const cached = JSON.parse(await readFile(radiiFile, 'utf8')) as { key: { trainSha256: string } };
    cached.key.trainSha256 = '0'.repeat(64);
    await writeFile(radiiFile, JSON.stringify(cached));
    const third = await audit({ samples: npz, train: 'cifar10', test: 'cifar10:test' });
    const thirdRun = await readRun(ws, third.run) as unknown as { details: { cache: Record<string, string> } };
    expect(thirdRun.details.cache['trainingRadii']).toBe('computed');
    expect(third.precision).toBe(summary.precision);
    expect((JSON.parse(await readFile(radiiFile, 'utf8')) as { key: { trainSha256: string } }).key.trainSha256).toBe(detail.train.sourceSha256);
  });

  it('re-counts at another threshold with the same bootstrap (audit.summary)', async () => {
    const same = await service.call('audit.summary', { id: summary.run, threshold: detail.metrics.threshold });
    expect(same.memorizedFraction).toBe(summary.memorizedFraction);
    expect(same.memorizedCI).toEqual(summary.memorizedCI);
    const t = 0.05;
    const low = await service.call('audit.summary', { id: summary.run, threshold: t });
    const expected = detail.columns.ratio.filter((r) => r < t).length;
    expect(low.memorizedCount).toBe(expected);
    expect(low.memorizedFraction).toBeCloseTo(expected / 24, 12);
    expect(low.count).toBe(24);
    expect(low.perClass!.reduce((a, r) => a + r.memorized, 0)).toBe(expected);
    expect(low.perClass).toHaveLength(10);
    await expect(service.call('audit.summary', { id: summary.run, threshold: 0 })).rejects.toThrow(/threshold must be above 0/);
    await expect(service.call('audit.show', { id: '20200101-000000-audit-abcdef' })).rejects.toThrow(/no run/);
  });

  it('serves gallery rows, samples and difference images pixel for pixel', async () => {
    const k = 5;
    const rows = [0, 6, 12];
    const r = await res(`audit/${summary.run}/rows`, `i=${rows.join(',')}`);
    expect(r?.contentType).toBe('image/png');
    const img = await decode(r!.body);
    expect([img.width, img.height]).toEqual([(1 + k) * 32, 3 * 32]);
    const cellEquals = (col: number, row: number, expected: Uint8Array) => {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          for (let c = 0; c < 3; c++) {
            const got = img.data[((row * 32 + y) * img.width + col * 32 + x) * img.channels + c];
            if (got !== expected[(y * 32 + x) * 3 + c]) return false;
          }
        }
      }
      return true;
    };
    rows.forEach((s, row) => {
      expect(cellEquals(0, row, samples.pixels.subarray(s * D, (s + 1) * D))).toBe(true);
      for (let j = 0; j < k; j++) {
        const t = detail.columns.neighbourIndex[s * k + j]!;
        expect(cellEquals(1 + j, row, train.subarray(t * D, (t + 1) * D))).toBe(true);
      }
    });
    const big = await res(`audit/${summary.run}/rows`, 'i=1&size=64');
    expect((await decode(big!.body)).width).toBe(6 * 64);

    const one = await decode((await res(`audit/${summary.run}/sample/3`, 'size=128'))!.body);
    expect([one.width, one.height]).toEqual([128, 128]);
    const sheet = await decode((await res(`audit/${summary.run}/samples-sheet/20`, 'count=8&cols=4'))!.body);
    expect([sheet.width, sheet.height]).toEqual([128, 64]);

    // an exact copy differs from its source nowhere; a noisy copy somewhere
    const diffCopy = await decode((await res(`audit/${summary.run}/diff/0`, 'rank=0&size=32'))!.body);
    expect(Math.max(...Array.from(diffCopy.data).filter((_, i) => i % diffCopy.channels < 3))).toBe(0);
    const diffNoisy = await decode((await res(`audit/${summary.run}/diff/6`, 'rank=0&gain=8&size=32'))!.body);
    expect(Math.max(...Array.from(diffNoisy.data).filter((_, i) => i % diffNoisy.channels < 3))).toBeGreaterThan(0);

    expect(await res(`audit/${summary.run}/sample/24`)).toBeNull();
    expect(await res(`audit/${summary.run}/rows`, 'i=0,99')).toBeNull();
    // 256 rows of 6 cells at 1024 x 1024 would be 1.6 G pixels: refused before anything is drawn
    const many = Array.from({ length: 256 }, (_, i) => i % 24).join(',');
    await expect(res(`audit/${summary.run}/rows`, `i=${many}&size=1024`)).rejects.toThrow(/rows image too large: 256 rows of 6 cells at 1024x1024/);
    expect((await decode((await res(`audit/${summary.run}/rows`, `i=${many}&size=32`))!.body)).height).toBe(256 * 32);
    expect(await res(`audit/${summary.run}/diff/0`, 'rank=5')).toBeNull();
    expect(await res('audit/20200101-000000-audit-abcdef/sample/0')).toBeNull();
  });

  it('exports a self-contained HTML report, a gallery PNG, CSV, metrics and npz, each stamped', async () => {
    const html = await res(`audit/${summary.run}/export/html`, 'top=10');
    expect(html?.filename).toBe(`${summary.run}-report.html`);
    const text = Buffer.from(html!.body).toString('utf8');
    expect(text).toContain('data:image/png;base64,');
    expect((text.match(/<img /g) ?? []).length).toBe(10 * 6);
    expect((text.match(/<svg/g) ?? []).length).toBe(3); // ratio histogram, train/test gap, per class
    expect(text).toContain(detail.train.splitSha256);
    expect(text).toContain(`source archive sha256 ${detail.train.sourceSha256}`);
    expect(text).not.toMatch(/src="(?!data:)/); // no external resources

    const gallery = await res(`audit/${summary.run}/export/gallery`, 'rows=0,6,12');
    const g = await sharp(gallery!.body).metadata();
    expect(g.format).toBe('png');
    expect(g.height).toBeGreaterThan(3 * 64);

    const csv = Buffer.from((await res(`audit/${summary.run}/export/csv`))!.body).toString('utf8');
    expect(csv.split('\n')[0]).toMatch(/^# ScoreScope .* audit /);
    expect(csv).toContain(detail.train.splitSha256);
    const metrics = JSON.parse(Buffer.from((await res(`audit/${summary.run}/export/metrics`))!.body).toString('utf8')) as Record<string, unknown>;
    expect(metrics['stamp']).toBeTruthy();

    const out = join(dir, 'exports');
    const { files } = await service.call('audit.export', { id: summary.run, out, top: 8 });
    expect(files.map((f) => f.kind)).toEqual(['html', 'gallery', 'csv', 'metrics', 'samples', 'neighbours']);
    const names = (await readdir(out)).sort();
    expect(names).toEqual([
      `${summary.run}-gallery.png`, `${summary.run}-metrics.json`, `${summary.run}-neighbours.npz`,
      `${summary.run}-per-sample.csv`, `${summary.run}-report.html`, `${summary.run}-samples.npz`,
    ]);
    const npzOut = await readNpz(join(out, `${summary.run}-samples.npz`));
    expect(npzOut['arr_0']!.shape).toEqual([24, 32, 32, 3]);
    const stamp = JSON.parse(Buffer.from(npzOut['stamp_json']!.data as Uint8Array).toString('utf8')) as { dataset: { splitSha256: string } };
    expect(stamp.dataset.splitSha256).toBe(detail.train.splitSha256);
  });
});

describe('audit sources and errors', () => {
  it('audits the samples of a sampling run and adds the empirical score weights at delta', async () => {
    // a run as the empirical-score KDE sampler leaves it: training images + sigma(delta) noise
    const picks = [3, 30, 300, 333];
    const src = buildAuditSamples(train, test, D, { copies: [], noisy: picks, tests: [], sigma: 1, seed: 5 });
    const run = await saveRun(ws, 'sample', async (d) => {
      await writeNpz(join(d, 'samples.npz'), { arr_0: { data: src.pixels, shape: [src.count, 32, 32, 3] } });
      return {
        kind: 'sample', title: 'kde test run',
        params: { data: 'cifar10:train', subset: 1000, score: 'empirical', sampler: 'kde', delta: 0.001, n: src.count, seed: 0 },
        environment: {}, timings: {}, summary: {},
      };
    });
    const s = await audit({ samples: run.id, train: 'cifar10', k: 3 });
    const d = await service.call('audit.show', { id: s.run });
    expect(d.source).toMatchObject({ kind: 'run', run: run.id, format: 'scorescope-run', count: 4 });
    expect(d.test).toBeNull();
    expect(d.metrics.unavailable['ct']).toMatch(/no held-out test split/);
    expect(d.topWeights).not.toBeNull();
    const tw = d.topWeights!;
    expect(tw).toMatchObject({ t: 0.001, data: 'cifar10:train', used: 1000, k: 8 });
    picks.forEach((p, i) => {
      expect(tw.indices[i * 8]).toBe(p);
      expect(tw.weights[i * 8]!).toBeGreaterThan(0.99);
      expect(d.columns.neighbourIndex[i * 3]).toBe(p);
    });
    // the run's folder works as well as its id
    const byFolder = await audit({ samples: join(ws, 'runs', run.id), train: 'cifar10', k: 3 });
    expect(byFolder.memorizedFraction).toBe(1);
  });

  it('reads a folder of PNGs (natural order), resizing when asked', async () => {
    const folder = join(dir, 'pngs');
    await mkdir(folder, { recursive: true });
    for (const [i, t] of [7, 8, 9].entries()) {
      const raw = train.subarray(t * D, (t + 1) * D);
      await writeFile(join(folder, `s${i * 5}.png`), await sharp(raw, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
    }
    const s = await audit({ samples: folder, train: 'cifar10', k: 2 });
    const d = await service.call('audit.show', { id: s.run });
    expect(d.source).toMatchObject({ kind: 'folder', count: 3 });
    expect(d.columns.names.map((n) => n.split('/').pop())).toEqual(['s0.png', 's5.png', 's10.png']);
    expect([0, 1, 2].map((i) => d.columns.neighbourIndex[i * 2])).toEqual([7, 8, 9]);
    expect(s.memorizedFraction).toBe(1);

    const big = join(dir, 'pngs64');
    await mkdir(big, { recursive: true });
    const raw = train.subarray(0, D);
    await writeFile(join(big, 'a.png'), await sharp(raw, { raw: { width: 32, height: 32, channels: 3 } }).resize(64, 64, { kernel: 'nearest' }).png().toBuffer());
    await writeFile(join(big, 'b.png'), await sharp(raw, { raw: { width: 32, height: 32, channels: 3 } }).resize(64, 64, { kernel: 'nearest' }).png().toBuffer());
    const before = await runFolders();
    const error = await failure({ samples: big, train: 'cifar10' });
    expect(error).toContain('are 64x64x3 images but the training split cifar10:train holds 32x32x3 images');
    expect(error).toMatch(/--resize 32/);
    expect(await runFolders()).toEqual(before);
    const resized = await audit({ samples: big, train: 'cifar10', k: 2, resize: 32 });
    expect(resized.count).toBe(2);
  });

  it('reads a float .npy in [-1, 1], channels first (NCHW), as the same images', async () => {
    const picks = [11, 222, 333];
    const data = new Float32Array(picks.length * D);
    picks.forEach((t, n) => {
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++) data[n * D + c * 1024 + p] = train[t * D + p * 3 + c]! / 127.5 - 1;
      }
    });
    const file = join(dir, 'copies.npy');
    await writeNpy(file, data, [picks.length, 3, 32, 32]);
    const s = await audit({ samples: file, train: 'cifar10', k: 2 });
    const d = await service.call('audit.show', { id: s.run });
    expect(d.source.format).toBe('npy');
    expect(d.columns.names).toEqual(['copies.npy[0]', 'copies.npy[1]', 'copies.npy[2]']);
    picks.forEach((t, i) => {
      expect(d.columns.neighbourIndex[i * 2]).toBe(t);
      expect(d.columns.neighbourDistance[i * 2]).toBe(0);
    });
  });

  it('fails with a clear message and no run folder for a bad path, a wrong shape or a bad split', async () => {
    const before = await runFolders();
    expect(await failure({ samples: join(dir, 'nowhere.npz'), train: 'cifar10' })).toMatch(/nowhere\.npz: no such file or folder/);
    const small = join(dir, 'small.npz');
    await writeNpz(small, { arr_0: { data: new Uint8Array(3 * 16 * 16 * 3), shape: [3, 16, 16, 3] } });
    expect(await failure({ samples: small, train: 'cifar10' })).toMatch(/small\.npz are 16x16x3 images but the training split cifar10:train holds 32x32x3 images; resize or convert/);
    expect(await failure({ samples: npz, train: 'cifar10:val' })).toMatch(/no split "val"/);
    expect(await failure({ samples: npz, train: 'nosuch' })).toMatch(/no dataset "nosuch"/);
    expect(await failure({ samples: '20200101-000000-sample-abcdef', train: 'cifar10' })).toMatch(/no run "20200101-000000-sample-abcdef"/);
    expect(await runFolders()).toEqual(before);
    await expect(service.call('audit.start', { samples: npz, train: 'cifar10', k: 1 })).rejects.toThrow(/k must be at least 2/);
  });
});
