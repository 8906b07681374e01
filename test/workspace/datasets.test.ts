import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createGunzip, gzipSync } from 'node:zlib';
import { CIFAR10_CLASSES, DataError, PAPER_GAUSSIAN, encodeNpyHeader, readNpyFile, readTar, writeNpy, writeNpz } from '../../native-data';
import { writeTar } from '../helpers/tar-writer';
import {
  DatasetStoreError, importDataset, listDatasets, loadSplit, readItems, removeDataset, renameDataset, showDataset, synthDataset,
} from '../../electron/workspace/datasets';
import { JobCancelled, type JobContext } from '../../electron/science/job-context';
import { MINI, cifarRecords, pickleCifarBatch, pngImage, referenceNhwc, tempDir } from '../native-data/fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir('ss-ws-')));
afterAll(() => cleanup());

let wsCount = 0;
async function freshWs(): Promise<string> {
  const ws = join(dir, `ws${wsCount++}`);
  await mkdir(ws);
  return ws;
}

function testCtx(onProgress?: (f: number, ctl: AbortController) => void): { ctx: JobContext; fractions: number[] } {
  const ctl = new AbortController();
  const fractions: number[] = [];
  return {
    fractions,
    ctx: {
      progress: (f) => {
        fractions.push(f);
        onProgress?.(f, ctl);
      },
      throwIfCancelled: () => {
        if (ctl.signal.aborted) throw new JobCancelled();
      },
      signal: ctl.signal,
    },
  };
}

/** Labels straight from the archive bytes (first byte of each 3073-byte record). */
async function labelsInArchive(file: string, member: string): Promise<number[]> {
  for await (const e of readTar(createReadStream(file).pipe(createGunzip()), file)) {
    if (e.path.endsWith(member)) {
      const b = await e.bytes();
      return Array.from({ length: b.length / 3073 }, (_, i) => b[i * 3073] as number);
    }
  }
  throw new Error(`${member} not in ${file}`);
}

async function wsEntries(ws: string): Promise<string[]> {
  return readdir(join(ws, 'datasets')).catch(() => []);
}

describe('workspace datasets: the CIFAR-10 mini archive', () => {
  let ws = '';
  beforeAll(async () => {
    ws = await freshWs();
  });

  it('imports train 1000 / test 200 of [32, 32, 3] uint8 with class counts that match the data', async () => {
    const { ctx, fractions } = testCtx();
    const r = await importDataset(ws, MINI, { ctx });
    expect(r.existing).toBe(false);
    const m = r.manifest;
    expect(m).toMatchObject({ name: 'cifar10', format: 'cifar10-binary', container: 'tar.gz', kind: 'images', classes: CIFAR10_CLASSES });
    expect(m.sha256).toBe('90949212bd281f7d8ae768786e09f6a24a463d8b9d598f7a82c2e5078201fce4'); // README
    expect(m.splits['train']).toMatchObject({ count: 1000, shape: [32, 32, 3], dtype: 'uint8', valueRange: [0, 255], file: 'train.npy', labels: 'train-labels.npy' });
    expect(m.splits['test']).toMatchObject({ count: 200, shape: [32, 32, 3] });
    const raw = await labelsInArchive(MINI, 'data_batch_1.bin');
    const counts = new Array(10).fill(0);
    raw.forEach((l) => counts[l]++);
    expect(m.splits['train']!.classCounts).toEqual(counts);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
  });

  it('stores NHWC pixels, int32 labels and exact channel statistics', async () => {
    const s = await loadSplit(ws, 'cifar10');
    expect(s.split).toBe('train');
    expect(s.shape).toEqual([1000, 32, 32, 3]);
    expect(s.data).toBeInstanceOf(Uint8Array);
    expect([s.data[0], s.data[3], s.data[6]]).toEqual([59, 43, 50]);
    expect(Array.from(s.labels!)).toEqual(await labelsInArchive(MINI, 'data_batch_1.bin'));
    // brute-force per-channel mean and population std
    const m = s.manifest.splits['train']!;
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let sq = 0;
      for (let i = c; i < s.data.length; i += 3) {
        sum += s.data[i]!;
        sq += s.data[i]! * s.data[i]!;
      }
      const n = s.data.length / 3;
      expect(m.channelMean[c]).toBeCloseTo(sum / n, 9);
      expect(m.channelStd[c]).toBeCloseTo(Math.sqrt(sq / n - (sum / n) ** 2), 9);
    }
    // files are plain .npy, readable without the app
    const labels = await readNpyFile(join(ws, 'datasets', 'cifar10', 'test-labels.npy'));
    expect(labels.dtype.descr).toBe('<i4');
    expect(labels.shape).toEqual([200]);
  });

  it('readItems reads just the asked records', async () => {
    const all = await loadSplit(ws, 'cifar10:test');
    const part = await readItems(ws, 'cifar10:test', 5, 3);
    expect(part.shape).toEqual([3, 32, 32, 3]);
    expect(Buffer.from(part.data).equals(Buffer.from(all.data.subarray(5 * 3072, 8 * 3072)))).toBe(true);
    expect(Array.from(part.labels!)).toEqual(Array.from(all.labels!.subarray(5, 8)));
    expect(Array.from(part.data.subarray(0, 0))).toEqual([]);
    expect((await readItems(ws, 'cifar10:test', 199, 10)).shape[0]).toBe(1);
  });

  it('recognises a second import of the same source', async () => {
    const r = await importDataset(ws, MINI);
    expect(r.existing).toBe(true);
    expect(r.manifest.name).toBe('cifar10');
    expect(await wsEntries(ws)).toEqual(['cifar10']);
  });

  it('show / rename / remove; unknown names and splits are clear errors', async () => {
    expect((await showDataset(ws, 'cifar10')).splits['test']!.count).toBe(200);
    await expect(showDataset(ws, 'nope')).rejects.toThrow(/no dataset "nope".*have: cifar10/);
    await expect(loadSplit(ws, 'cifar10:valid')).rejects.toThrow(/no split "valid" \(has: train, test\)/);
    const renamed = await renameDataset(ws, 'cifar10', 'mini');
    expect(renamed.name).toBe('mini');
    expect(JSON.parse(await readFile(join(ws, 'datasets', 'mini', 'manifest.json'), 'utf8')).name).toBe('mini');
    expect((await listDatasets(ws)).map((d) => d.name)).toEqual(['mini']);
    await expect(renameDataset(ws, 'mini', 'bad/name')).rejects.toThrow(DatasetStoreError);
    await removeDataset(ws, 'mini');
    expect(await listDatasets(ws)).toEqual([]);
    expect(await wsEntries(ws)).toEqual([]);
  });
});

describe('workspace datasets: names, order, formats', () => {
  it('a different source with the same default name gets a suffix; an explicit clash is an error', async () => {
    const ws = await freshWs();
    const folder = join(dir, 'alt', 'cifar-10-batches-bin');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'data_batch_1.bin'), cifarRecords(5, 1));
    await importDataset(ws, MINI);
    const second = await importDataset(ws, folder);
    expect(second.manifest.name).toBe('cifar10-2');
    await writeFile(join(folder, 'test_batch.bin'), cifarRecords(3, 2));
    await expect(importDataset(ws, folder, { name: 'cifar10' })).rejects.toThrow(/"cifar10" already exists with different content/);
    expect((await listDatasets(ws)).map((d) => d.name)).toEqual(['cifar10', 'cifar10-2']);
  });

  it('an unsorted tar gives the same dataset as the folder (batch order restored)', async () => {
    const ws = await freshWs();
    const b1 = cifarRecords(40, 1);
    const b2 = cifarRecords(30, 2);
    const folder = join(dir, 'order', 'cifar-10-batches-bin');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'data_batch_1.bin'), b1);
    await writeFile(join(folder, 'data_batch_2.bin'), b2);
    const tgz = join(dir, 'order.tar.gz');
    await writeFile(tgz, gzipSync(writeTar([{ path: 'data_batch_2.bin', data: b2 }, { path: 'data_batch_1.bin', data: b1 }])));
    await importDataset(ws, folder, { name: 'f' });
    await importDataset(ws, tgz, { name: 't' });
    const f = await loadSplit(ws, 'f');
    const t = await loadSplit(ws, 't');
    const ref = referenceNhwc(Buffer.concat([b1, b2]));
    expect(Buffer.from(f.data).equals(Buffer.from(ref.images))).toBe(true);
    expect(Buffer.from(t.data).equals(Buffer.from(ref.images))).toBe(true);
    expect(Array.from(t.labels!)).toEqual(ref.labels);
  });

  it('imports an image folder with class sub-folders, and a CIFAR python batch', async () => {
    const ws = await freshWs();
    const root = join(dir, 'shapes');
    const want: { cls: string; raw: Uint8Array }[] = [];
    for (const [k, cls] of ['zebra', 'ant', 'zebra', 'moth', 'ant'].entries()) {
      await mkdir(join(root, cls), { recursive: true });
      const img = await pngImage(3, 3, k + 1);
      await writeFile(join(root, cls, `p${k}.png`), img.png);
      want.push({ cls, raw: img.raw });
    }
    const { manifest } = await importDataset(ws, root);
    expect(manifest).toMatchObject({ name: 'shapes', format: 'images', classes: ['ant', 'moth', 'zebra'] });
    expect(manifest.splits['train']).toMatchObject({ count: 5, shape: [3, 3, 3], classCounts: [2, 1, 2] });
    const s = await loadSplit(ws, 'shapes');
    // stored in natural path order: ant/p1, ant/p4, moth/p3, zebra/p0, zebra/p2
    const order = [1, 4, 3, 0, 2];
    order.forEach((k, i) => expect(Buffer.from(s.data.subarray(i * 27, (i + 1) * 27)).equals(Buffer.from(want[k]!.raw))).toBe(true));
    expect(Array.from(s.labels!)).toEqual([0, 0, 1, 2, 2]);
    // the same images in a reverse-ordered tar: same dataset (items re-sorted by path on finish)
    const tar = join(dir, 'shapes-rev.tar');
    const entries = ['zebra/p0.png', 'ant/p1.png', 'zebra/p2.png', 'moth/p3.png', 'ant/p4.png'].reverse();
    await writeFile(tar, writeTar(await Promise.all(entries.map(async (p) => ({ path: `shapes/${p}`, data: await readFile(join(root, p)) })))));
    await importDataset(ws, tar, { name: 'shapes-tar' });
    const t = await loadSplit(ws, 'shapes-tar');
    expect(Buffer.from(t.data).equals(Buffer.from(s.data))).toBe(true);
    expect(Array.from(t.labels!)).toEqual([0, 0, 1, 2, 2]);

    const py = join(dir, 'pyone', 'cifar-10-batches-py');
    await mkdir(py, { recursive: true });
    await writeFile(join(py, 'test_batch'), pickleCifarBatch(cifarRecords(7, 4)));
    const r = await importDataset(ws, join(dir, 'pyone'));
    expect(r.manifest).toMatchObject({ name: 'cifar10', format: 'cifar10-python', splits: { test: { count: 7 } } });
  });

  it('imports .npz samples with labels and a float NCHW .npy (converted, noted in the manifest)', async () => {
    const ws = await freshWs();
    const x = Uint8Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const npz = join(dir, 'samples.npz');
    await writeNpz(npz, { arr_0: { data: x, shape: [3, 2, 2, 3] }, arr_1: { data: BigInt64Array.from([2n, 0n, 2n]), shape: [3] } });
    const a = await importDataset(ws, npz);
    expect(a.manifest).toMatchObject({ name: 'samples', format: 'npz', classes: ['0', '1', '2'], splits: { train: { count: 3, classCounts: [1, 0, 2] } } });
    expect(Buffer.from((await loadSplit(ws, 'samples')).data).equals(Buffer.from(x))).toBe(true);
    const f = join(dir, 'unit-nchw.npy');
    await writeNpy(f, Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => (i % 5) / 4), [2, 3, 2, 2]);
    const b = await importDataset(ws, f);
    expect(b.manifest.splits['train']).toMatchObject({ count: 2, shape: [2, 2, 3], dtype: 'uint8' });
    expect(b.manifest.notes.join('\n')).toMatch(/<f4 \(2, 3, 2, 2\) NCHW in \[0, 1\]: floats in \[0, 1\]/);
  });

  it('synthetic datasets are reproducible and recognised', async () => {
    const ws = await freshWs();
    const a = await synthDataset(ws, { ...PAPER_GAUSSIAN, test: 50 });
    expect(a.manifest).toMatchObject({ name: 'gaussian-2d', kind: 'vectors', format: 'synthetic-gaussian', classes: null });
    expect(a.manifest.splits['train']).toMatchObject({ count: 100, shape: [2], dtype: 'float32', labels: null, classCounts: null });
    const s = await loadSplit(ws, 'gaussian-2d');
    expect(s.data).toBeInstanceOf(Float32Array);
    expect(s.shape).toEqual([100, 2]);
    const mean = [0, 0];
    for (let i = 0; i < 100; i++) for (let j = 0; j < 2; j++) mean[j]! += s.data[i * 2 + j]! / 100;
    expect(a.manifest.splits['train']!.channelMean[0]).toBeCloseTo(mean[0]!, 5);
    let lo = Infinity;
    for (const v of s.data) lo = Math.min(lo, v);
    expect(a.manifest.splits['train']!.valueRange[0]).toBe(lo);
    expect((await synthDataset(ws, { ...PAPER_GAUSSIAN, test: 50 })).existing).toBe(true);
    const b = await synthDataset(ws, { ...PAPER_GAUSSIAN, seed: 7 });
    expect(b.manifest.name).toBe('gaussian-2d-2');
    const mix = await synthDataset(ws, { kind: 'mixture', n: 60, seed: 1, components: [{ mean: [0, 0], variance: 1 }, { mean: [5, 5], variance: 1 }] }, { name: 'mix' });
    expect(mix.manifest.classes).toEqual(['component-0', 'component-1']);
    expect(mix.manifest.splits['train']!.classCounts!.reduce((x, y) => x + y)).toBe(60);
  });
});

describe('workspace datasets: failures leave the workspace unchanged', () => {
  it('every kind of bad source is a DataError and leaves nothing behind', async () => {
    const ws = await freshWs();
    await synthDataset(ws, PAPER_GAUSSIAN);
    const before = await wsEntries(ws);
    const bad = join(dir, 'bad');
    await mkdir(bad);
    const mk = async (name: string, files: Record<string, Uint8Array>) => {
      const d = join(bad, name);
      await mkdir(d, { recursive: true });
      for (const [f, b] of Object.entries(files)) await writeFile(join(d, f), b);
      return d;
    };
    const labelled = cifarRecords(4, 1);
    labelled[3073 * 2] = 10;
    const gz = Buffer.from(gzipSync(Buffer.concat([writeTar([{ path: 'data_batch_1.bin', data: cifarRecords(300, 2) }])])));
    for (let i = 1000; i < gz.length - 50; i += 301) gz[i] = (gz[i] as number) ^ 0xa5;
    await writeFile(join(bad, 'corrupt.tar.gz'), gz);
    await writeFile(join(bad, 'evil.tar'), writeTar([{ path: 'data_batch_1.bin', data: cifarRecords(2, 3) }, { path: '../escape.bin', data: cifarRecords(1, 3) }]));
    const lie = Buffer.concat([encodeNpyHeader('<f4', [1000, 2]), Buffer.alloc(80)]);
    await writeFile(join(bad, 'lie.npy'), lie);
    await writeFile(join(bad, 'dtype.npy'), Buffer.concat([encodeNpyHeader('<c16', [2]), Buffer.alloc(32)]));
    const notBatch = pickleCifarBatch(cifarRecords(3, 1), 'py2', { labelsKey: 'coarse_labels' });
    // float vectors with NaN, and float64 beyond float32's range (Infinity once stored as float32)
    const nanVectors = new Float32Array([1, 2, 3, NaN, 5, 6]);
    await writeFile(join(bad, 'nan.npy'), Buffer.concat([encodeNpyHeader('<f4', [3, 2]), Buffer.from(nanVectors.buffer)]));
    await writeFile(join(bad, 'huge.npy'), Buffer.concat([encodeNpyHeader('<f8', [2, 2]), Buffer.from(new Float64Array([0, 1, 1e300, 2]).buffer)]));
    const mixedA = (await pngImage(4, 4, 1)).png;
    const mixedB = (await pngImage(5, 4, 2)).png;
    const sources = [
      await mk('short', { 'data_batch_1.bin': cifarRecords(3, 1).subarray(0, 3073 * 3 - 1) }),
      await mk('label', { 'data_batch_1.bin': labelled }),
      join(bad, 'corrupt.tar.gz'),
      await mk('pickle', { data_batch_1: notBatch }),
      join(bad, 'evil.tar'),
      join(bad, 'lie.npy'),
      join(bad, 'dtype.npy'),
      join(bad, 'missing.tar.gz'),
      await mk('empty', {}),
      await mk('mixed', { 'a.png': mixedA, 'b.png': mixedB, 'c.png': mixedA }),
      await mk('nodata', { 'readme.txt': Buffer.from('hello') }),
      join(bad, 'nan.npy'),
      join(bad, 'huge.npy'),
    ];
    const problems: string[] = [];
    for (const src of sources) {
      const err = await importDataset(ws, src).catch((e: unknown) => e);
      expect(err, src).toBeInstanceOf(DataError);
      problems.push((err as DataError).problem);
      expect(await wsEntries(ws)).toEqual(before);
    }
    const patterns = [/wrong length/, /label 10 is out of range/, /corrupt gzip/, /not a CIFAR-10 python batch/, /escape the target folder/, /claims shape \(1000, 2\)/, /unsupported dtype/, /no such file/, /empty folder/, /different sizes: 4x4 \(2\), 5x4 \(1\)/, /no dataset found/,
      /item 1, value 1 is NaN as float32 \(data must be finite\)/, /item 1, value 0 is Infinity as float32/];
    patterns.forEach((p, i) => expect(problems[i]).toMatch(p));
  });

  it('cancelling mid-import throws JobCancelled and leaves nothing behind', async () => {
    const ws = await freshWs();
    const { ctx } = testCtx((f, ctl) => {
      if (f > 0.3) ctl.abort();
    });
    await expect(importDataset(ws, MINI, { ctx })).rejects.toBeInstanceOf(JobCancelled);
    expect(await wsEntries(ws)).toEqual([]);
    // and a cancel during hashing
    const early = testCtx((_f, ctl) => ctl.abort());
    await expect(importDataset(ws, MINI, { ctx: early.ctx })).rejects.toBeInstanceOf(JobCancelled);
    expect(await wsEntries(ws)).toEqual([]);
  });
});
