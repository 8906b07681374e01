/**
 * The datasets calls through the service (as every host uses them): jobs for probe / import /
 * synth, direct reads (list, show, labels, points), and the PNG resources (sprite sheets, items)
 * checked pixel for pixel against the stored arrays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createService, type Service } from '../../electron/hosts/service';
import { resolveResource } from '../../electron/hosts/resources';
import { ApiError, type DatasetImportResult, type DatasetProbe, type JobEvent } from '../../electron/contract';
import { loadSplit } from '../../electron/workspace/datasets';
import { writeNpz } from '../../native-data';
import { tempDir } from '../native-data/fixtures';
import { writePngFolder, writeSamplesNpz, type PngFolder } from '../e2e/fixtures-datasets';

let dir = '';
let cleanup = async () => {};
let ws = '';
let service: Service;
let folder: PngFolder;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('ss-host-ds-'));
  ws = join(dir, 'ws');
  service = createService({ workspace: ws, host: 'cli' });
  folder = await writePngFolder(dir, 'shapes', { perClass: 40, seed: 3 });
});
afterAll(async () => {
  await service.close();
  await cleanup();
});

async function job<T>(call: 'datasets.import' | 'datasets.probe' | 'datasets.synth' | 'datasets.download', request: unknown): Promise<T> {
  const { id } = await service.callUnknown(call, request) as { id: string };
  const { info, result } = await service.jobs.wait(id);
  if (info.state !== 'done') throw new Error(info.error ?? info.state);
  return result as T;
}

async function decode(body: Uint8Array): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

const res = (path: string, query = '') => resolveResource(path.split('/'), new URLSearchParams(query), ws);

describe('datasets calls', () => {
  it('probes a PNG folder (format, classes, counts) without writing anything', async () => {
    const p = await job<DatasetProbe>('datasets.probe', { path: folder.dir });
    expect(p).toMatchObject({ format: 'images', container: 'folder', kind: 'images', classes: ['circles', 'squares'], defaultName: 'shapes', needsResize: false });
    expect(p.splits['train']).toMatchObject({ count: 80, shape: [32, 32, 3], dtype: 'uint8', labelled: true });
    expect(p.imageSizes).toEqual([{ width: 32, height: 32, count: 80 }]);
    expect(await readdir(ws)).toEqual([]);
  });

  it('probes a float .npz and reports its value range and the conversion', async () => {
    const file = join(dir, 'float.npz');
    const n = 6;
    const data = new Float32Array(n * 8 * 8 * 3).map((_, i) => -1 + (2 * (i % 97)) / 96);
    await writeNpz(file, { arr_0: { data, shape: [n, 8, 8, 3] } });
    const p = await job<DatasetProbe>('datasets.probe', { path: file });
    expect(p.format).toBe('npz');
    expect(p.arrays?.['train']).toMatchObject({ dtype: '<f4', shape: [6, 8, 8, 3], layout: 'NHWC', range: [-1, 1] });
    expect(p.arrays?.['train']?.conversion).toMatch(/\[-1, 1\]/);
  });

  it('imports the folder with progress, labels from the class folders', async () => {
    const events: JobEvent[] = [];
    const off = service.onEvent((e) => events.push(e));
    const d = await job<DatasetImportResult>('datasets.import', { path: folder.dir });
    off();
    expect(d).toMatchObject({ name: 'shapes', existing: false, kind: 'images', classes: ['circles', 'squares'] });
    expect(d.splits['train']).toMatchObject({ count: 80, shape: [32, 32, 3], classCounts: [40, 40] });
    expect(events.some((e) => e.type === 'queued' && e.job.title === 'Import shapes')).toBe(true);
    const labels = await service.call('datasets.labels', { name: 'shapes' });
    expect(labels.labels).toEqual([...new Array(40).fill(0), ...new Array(40).fill(1)]);
    const shown = await service.call('datasets.show', { name: 'shapes' });
    expect(shown.sizeBytes).toBe(d.sizeBytes);
  });

  it('serves sprite sheets whose cells are the stored items, pixel for pixel', async () => {
    const split = await loadSplit(ws, 'shapes:train');
    const r = await res('datasets/shapes/train/sheet/10', 'count=8&cols=4');
    expect(r?.contentType).toBe('image/png');
    const img = await decode(r!.body);
    expect([img.width, img.height, img.channels]).toEqual([4 * 32, 2 * 32, 3]);
    for (let k = 0; k < 8; k++) {
      const [x0, y0] = [(k % 4) * 32, Math.floor(k / 4) * 32];
      for (const [y, x] of [[0, 0], [5, 17], [31, 31]] as const) {
        for (let c = 0; c < 3; c++) {
          expect(img.data[((y0 + y) * img.width + x0 + x) * 3 + c]).toBe(split.data[(((10 + k) * 32 + y) * 32 + x) * 3 + c]);
        }
      }
    }
    // the stored item is the PNG we wrote (folder order: circles first)
    expect(Buffer.compare(Buffer.from(split.data.subarray(3072 * 11, 3072 * 12)), Buffer.from(folder.pixels['circles']![11]!))).toBe(0);
  });

  it('pads past the end with transparent cells, filters by class, and enlarges one item', async () => {
    const tail = await decode((await res('datasets/shapes/train/sheet/78', 'count=4'))!.body);
    expect([tail.width, tail.height, tail.channels]).toEqual([128, 32, 4]);
    expect(tail.data[(5 * 128 + 40) * 4 + 3]).toBe(255); // item 79
    expect(tail.data[(5 * 128 + 70) * 4 + 3]).toBe(0); // past the end
    const squares = await decode((await res('datasets/shapes/train/sheet/0', 'count=2&class=1'))!.body);
    const split = await loadSplit(ws, 'shapes:train');
    expect(squares.data[(3 * 64 + 32 + 4) * 3]).toBe(split.data[((41 * 32 + 3) * 32 + 4) * 3]); // 2nd square is item 41
    const big = await decode((await res('datasets/shapes/train/item/5', 'scale=4'))!.body);
    expect([big.width, big.height]).toEqual([128, 128]);
    expect(big.data.subarray(0, 3)).toEqual(split.data.subarray(5 * 3072, 5 * 3072 + 3));
    const small = await decode((await res('datasets/shapes/train/sheet/0', 'count=8&size=16'))!.body);
    expect([small.width, small.height]).toEqual([128, 16]);
    expect(await res('datasets/shapes/train/item/80')).toBeNull();
    expect(await res('datasets/shapes/test/sheet/0')).toBeNull();
    expect(await res('datasets/nope/train/sheet/0')).toBeNull();
    expect(await res('datasets/shapes/train/sheet/0', 'count=0')).toBeNull();
  });

  it('imports a guided-diffusion .npz (arr_0 uint8 NHWC) as an unlabelled image dataset', async () => {
    const file = join(dir, 'samples.npz');
    const data = await writeSamplesNpz(file, 24);
    const d = await job<DatasetImportResult>('datasets.import', { path: file, name: 'samples' });
    expect(d).toMatchObject({ name: 'samples', format: 'npz', classes: null });
    expect(d.splits['train']).toMatchObject({ count: 24, shape: [32, 32, 3], classCounts: null });
    const img = await decode((await res('datasets/samples/train/sheet/0', 'count=1'))!.body);
    expect(Buffer.compare(Buffer.from(img.data), Buffer.from(data.subarray(0, 3072)))).toBe(0);
    expect((await service.call('datasets.labels', { name: 'samples' })).labels).toBeNull();
  });

  it('mixed image sizes: probe asks for a resize, import without one fails clearly, with one succeeds', async () => {
    const mixed = await writePngFolder(dir, 'mixed', { perClass: 3, sizeOf: (_c, i) => (i === 0 ? 40 : 32) });
    const p = await job<DatasetProbe>('datasets.probe', { path: mixed.dir });
    expect(p.needsResize).toBe(true);
    expect(p.imageSizes?.map((s) => `${s.width}x${s.height}:${s.count}`)).toEqual(['32x32:4', '40x40:2']);
    const before = await readdir(join(ws, 'datasets'));
    await expect(job('datasets.import', { path: mixed.dir })).rejects.toThrow(/mixed: images have different sizes: 32x32 \(4\), 40x40 \(2\); import with a resize/);
    expect(await readdir(join(ws, 'datasets'))).toEqual(before);
    const d = await job<DatasetImportResult>('datasets.import', { path: mixed.dir, resize: 16 });
    expect(d.splits['train']).toMatchObject({ count: 6, shape: [16, 16, 3] });
    expect(d.options).toEqual({ resize: 16, fit: 'cover' });
  });

  it('a browser upload is imported from its staging folder, which is then removed', async () => {
    const session = join(ws, 'uploads', 'session-1234');
    await mkdir(session, { recursive: true });
    const up = await writePngFolder(session, 'uploaded', { perClass: 2, seed: 9 });
    const d = await job<DatasetImportResult>('datasets.import', { path: up.dir });
    expect(d.splits['train']!.count).toBe(4);
    expect(await readdir(join(ws, 'uploads'))).toEqual([]);
  });

  it('synthesises a Gaussian mixture and serves its points for a scatter', async () => {
    const d = await job<DatasetImportResult>('datasets.synth', {
      kind: 'mixture', components: [{ mean: [-4, 0], variance: 0.5 }, { mean: [4, 0], variance: 0.5, weight: 3 }], n: 400, seed: 2, name: 'mix',
    });
    expect(d).toMatchObject({ name: 'mix', kind: 'vectors', classes: ['component-0', 'component-1'] });
    const pts = await service.call('datasets.points', { name: 'mix', limit: 100 });
    expect(pts).toMatchObject({ dim: 2, total: 400 });
    expect(pts.points).toHaveLength(100);
    pts.points.forEach(([x], i) => expect(Math.sign(x)).toBe(pts.labels![i] === 0 ? -1 : 1)); // components 8 sd apart
    const g = await job<DatasetImportResult>('datasets.synth', { kind: 'gaussian', dim: 3, mean: [1], variance: 0, n: 5 });
    expect(g.name).toBe('gaussian-3d');
    expect(g.splits['train']!.channelMean).toEqual([1, 1, 1]); // variance 0: every point is the mean
    await expect(service.call('datasets.points', { name: 'shapes' })).rejects.toThrow(/holds images/);
  });

  it('a failing import reaches the client as a failed event naming the file', async () => {
    const events: JobEvent[] = [];
    const off = service.onEvent((e) => events.push(e));
    await expect(job('datasets.import', { path: join(dir, 'missing-folder') })).rejects.toThrow(/missing-folder: no such file or folder/);
    off();
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ error: expect.stringMatching(/missing-folder: no such file or folder/) });
  });

  it('validates requests and answers unknown datasets with not-found', async () => {
    await expect(service.call('datasets.import', { path: '' })).rejects.toThrow(/path: give a file or folder/);
    await expect(service.call('datasets.import', { path: '/x', name: '../evil' })).rejects.toThrow(/name: dataset name/);
    await expect(service.call('datasets.import', { path: '/x', resize: 0 })).rejects.toThrow(/resize/);
    await expect(service.call('datasets.download', { url: 'file:///etc/passwd' })).rejects.toThrow(/url: expected an http\(s\) URL/);
    await expect(service.call('datasets.download', { md5: 'abc' })).rejects.toThrow(/md5: expected 32 hexadecimal digits/);
    await expect(service.call('datasets.synth', { kind: 'gaussian', dim: 3, mean: [1, 2] })).rejects.toThrow(/mean must have one number or dim numbers/);
    await expect(service.call('datasets.synth', { kind: 'gaussian', variance: Number.NaN })).rejects.toBeInstanceOf(ApiError);
    const missing = service.call('datasets.show', { name: 'nope' });
    await expect(missing).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/no dataset "nope"/) });
    await expect(service.call('datasets.rename', { from: 'shapes', to: 'samples' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/already exists/) });
    await expect(service.call('datasets.labels', { name: 'shapes', split: 'nope' }))
      .rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/^dataset "shapes" has no split "nope" \(has: /) });
    await expect(service.call('sample.start', { data: 'shapes:nope' }))
      .rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/^data: dataset "shapes" has no split "nope"/) });
    const list = await service.call('datasets.list');
    expect(list.datasets.map((d) => d.name)).toEqual(['gaussian-3d', 'mix', 'mixed', 'samples', 'shapes', 'uploaded']);
  });
});
