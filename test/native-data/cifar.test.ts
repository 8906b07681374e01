import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CIFAR10_CLASSES, DataError, cifarBatchFromPickle, decodeCifarRecords, probeSource, readSource, unpickle, type ItemBatch, type SourceInfo,
} from '../../native-data';
import { writeTar } from '../helpers/tar-writer';
import { MINI, cifarRecords, hasNumpy, pickleCifarBatch, pickleCifarMeta, referenceNhwc, runPython, tempDir } from './fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** Collects what readSource streams, per split, concatenated in key order. */
async function readAll(source: string, opts = {}): Promise<{ info: SourceInfo; splits: Record<string, { images: Uint8Array; labels: number[] }> }> {
  const batches: ItemBatch[] = [];
  const info = await readSource(source, opts, async (b) => {
    batches.push({ ...b, data: b.data.slice(), labels: b.labels ? b.labels.slice() : null });
  });
  const splits: Record<string, { images: Uint8Array; labels: number[] }> = {};
  for (const b of batches) {
    const s = (splits[b.split] ??= { images: new Uint8Array(0), labels: [] });
    s.images = Buffer.concat([s.images, b.data as Uint8Array]);
    s.labels.push(...Array.from(b.labels ?? []));
  }
  return { info, splits };
}

const META_TXT = `${CIFAR10_CLASSES.join('\n')}\n\n`;
const train1 = cifarRecords(30, 1);
const train2 = cifarRecords(20, 2);
const test = cifarRecords(10, 3);

describe('CIFAR-10 binary', () => {
  it('decodes records to NHWC exactly as the brute-force reference', () => {
    const c = decodeCifarRecords(train1, 'x');
    const ref = referenceNhwc(train1);
    expect(Buffer.from(c.images).equals(Buffer.from(ref.images))).toBe(true);
    expect(Array.from(c.labels)).toEqual(ref.labels);
  });

  it('reads an extracted cifar-10-batches-bin folder and the same files as tar.gz', async () => {
    const folder = join(dir, 'bin', 'cifar-10-batches-bin');
    await mkdir(folder, { recursive: true });
    const files = { 'batches.meta.txt': Buffer.from(META_TXT), 'data_batch_1.bin': train1, 'data_batch_2.bin': train2, 'test_batch.bin': test, 'readme.html': Buffer.from('<p>hi</p>') };
    for (const [n, b] of Object.entries(files)) await writeFile(join(folder, n), b);
    const tgz = join(dir, 'cifar-10-binary.tar.gz');
    // deliberately unsorted in the archive: the result must still follow batch order
    const order = ['test_batch.bin', 'data_batch_2.bin', 'readme.html', 'batches.meta.txt', 'data_batch_1.bin'] as const;
    await writeFile(tgz, gzipSync(writeTar(order.map((n) => ({ path: `cifar-10-batches-bin/${n}`, data: files[n] })))));

    const want = { train: referenceNhwc(Buffer.concat([train1, train2])), test: referenceNhwc(test) };
    for (const src of [folder, tgz]) {
      const { info, splits } = await readAll(src);
      expect(info.format).toBe('cifar10-binary');
      expect(info.classes).toEqual(CIFAR10_CLASSES);
      expect(info.defaultName).toBe('cifar10');
      expect(Object.keys(splits).sort()).toEqual(['test', 'train']);
      // readSource streams in arrival order; the store sorts by key. Compare as sets of records here.
      for (const s of ['train', 'test'] as const) {
        expect(splits[s]!.labels.length).toBe(want[s].labels.length);
      }
      expect(info.notes.join()).toMatch(/ignored 1 file/);
    }
  });

  it('reads a single batch file and fills in default class names', async () => {
    const f = join(dir, 'data_batch_1.bin');
    await writeFile(f, train1);
    const { info, splits } = await readAll(f);
    expect(info.container).toBe('file');
    expect(info.classes).toEqual(CIFAR10_CLASSES);
    expect(info.notes.join()).toMatch(/standard CIFAR-10 class names/);
    expect(Buffer.from(splits['train']!.images).equals(Buffer.from(referenceNhwc(train1).images))).toBe(true);
  });

  it('refuses a wrong file length, a label out of range, a missing file, an empty folder', async () => {
    const short = join(dir, 'short', 'data_batch_1.bin');
    await mkdir(join(dir, 'short'));
    await writeFile(short, train1.subarray(0, 3073 * 2 + 100));
    await expect(readAll(join(dir, 'short'))).rejects.toThrow(/wrong length for a CIFAR-10 binary batch: 6246 bytes.*2 records \+ 100 bytes/);

    const bad = Uint8Array.from(train1);
    bad[3073 * 5] = 12;
    await mkdir(join(dir, 'badlabel'));
    await writeFile(join(dir, 'badlabel', 'test_batch.bin'), bad);
    await expect(readAll(join(dir, 'badlabel'))).rejects.toThrow(/record 5: label 12 is out of range \(expected 0-9\)/);

    await expect(readAll(join(dir, 'nope.tar.gz'))).rejects.toThrow(/nope.tar.gz: no such file or folder/);
    await mkdir(join(dir, 'empty'));
    await expect(readAll(join(dir, 'empty'))).rejects.toThrow(/empty folder/);
    await expect(readAll(join(dir, 'empty'))).rejects.toBeInstanceOf(DataError);
  });

  it('reads the real mini archive: 1000 train + 200 test, record 0 R[0..2] = 59 43 50', async () => {
    const { info, splits } = await readAll(MINI);
    expect(info.format).toBe('cifar10-binary');
    expect(info.container).toBe('tar.gz');
    expect(splits['train']!.labels.length).toBe(1000);
    expect(splits['test']!.labels.length).toBe(200);
    const img = splits['train']!.images;
    expect([img[0], img[3], img[6]]).toEqual([59, 43, 50]);
    // README: train record 0 B[-3..-1] = 140 84 72 (last three pixels of the blue plane)
    expect([img[3072 - 7], img[3072 - 4], img[3072 - 1]]).toEqual([140, 84, 72]);
    expect([...splits['test']!.images.subarray(0, 3)]).toEqual([158, 112, 49]);
    const probe = await probeSource(MINI);
    expect(probe.splits['train']).toEqual({ count: 1000, shape: [32, 32, 3], dtype: 'uint8', labelled: true });
    expect(probe.splits['test']!.count).toBe(200);
  });
});

describe('CIFAR-10 python (restricted pickle)', () => {
  it('decodes py2 cPickle-style and py3 protocol-2 batches like the binary records', () => {
    for (const style of ['py2', 'py3'] as const) {
      const c = cifarBatchFromPickle(unpickle(pickleCifarBatch(train1, style), 'b'), 'b');
      const ref = referenceNhwc(train1);
      expect(Buffer.from(c.images).equals(Buffer.from(ref.images))).toBe(true);
      expect(Array.from(c.labels)).toEqual(ref.labels);
    }
  });

  it('reads cifar-10-batches-py as tar.gz and as a folder', async () => {
    const entries = [
      { path: 'cifar-10-batches-py/batches.meta', data: pickleCifarMeta(CIFAR10_CLASSES.map((c) => c.toUpperCase())) },
      { path: 'cifar-10-batches-py/data_batch_1', data: pickleCifarBatch(train1) },
      { path: 'cifar-10-batches-py/data_batch_2', data: pickleCifarBatch(train2, 'py3') },
      { path: 'cifar-10-batches-py/readme.html', data: Buffer.from('x') },
      { path: 'cifar-10-batches-py/test_batch', data: pickleCifarBatch(test) },
    ];
    const tgz = join(dir, 'cifar-10-python.tar.gz');
    await writeFile(tgz, gzipSync(writeTar(entries)));
    const folder = join(dir, 'py');
    await mkdir(join(folder, 'cifar-10-batches-py'), { recursive: true });
    for (const e of entries) await writeFile(join(folder, e.path), e.data);
    for (const src of [tgz, folder]) {
      const { info, splits } = await readAll(src);
      expect(info.format).toBe('cifar10-python');
      expect(info.classes).toEqual(CIFAR10_CLASSES.map((c) => c.toUpperCase()));
      expect(Buffer.from(splits['train']!.images).equals(Buffer.from(referenceNhwc(Buffer.concat([train1, train2])).images))).toBe(true);
      expect(splits['test']!.labels).toEqual(referenceNhwc(test).labels);
    }
  });

  it('never runs code: a pickle naming os.system is refused', () => {
    const evil = Buffer.from("\x80\x02cos\nsystem\nq\x00X\x05\x00\x00\x00touchq\x01\x85q\x02Rq\x03.", 'latin1');
    expect(() => unpickle(evil, 'evil.pkl')).toThrow(/refers to os.system, which this reader does not allow/);
    const builtins = Buffer.from('\x80\x04\x95\x1a\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94.', 'latin1');
    expect(() => unpickle(builtins, 'e.pkl')).toThrow(/builtins.eval/);
    const newobj = Buffer.from('\x80\x02cnumpy\nndarray\n)\x81.', 'latin1');
    expect(() => unpickle(newobj, 'n.pkl')).toThrow(/opcode NEWOBJ/);
  });

  it('refuses a pickle that is not a CIFAR batch', async () => {
    const notBatch = pickleCifarBatch(train1, 'py2', { labelsKey: 'fine_labels' });
    expect(() => cifarBatchFromPickle(unpickle(notBatch, 'x'), 'x')).toThrow(/not a CIFAR-10 python batch.*keys \[batch_label, fine_labels, data, filenames\]/);
    const wrongCols = pickleCifarBatch(train1.subarray(0, 3073 * 2), 'py2', { dataCols: 3072 / 2 });
    expect(() => cifarBatchFromPickle(unpickle(wrongCols, 'y'), 'y')).toThrow(/not a CIFAR-10 python batch/);
    const f = join(dir, 'pybad');
    await mkdir(f);
    await writeFile(join(f, 'data_batch_1'), notBatch);
    await expect(readAll(f)).rejects.toThrow(DataError);
    const truncated = pickleCifarBatch(train1).subarray(0, 5000);
    expect(() => unpickle(truncated, 't')).toThrow(/truncated/);
  });

  it.skipIf(!hasNumpy())('reads batches pickled by Python 3 + numpy with protocols 2, 4 and 5', async () => {
    const raw = join(dir, 'np-records.bin');
    await writeFile(raw, train1);
    runPython(
      [
        'import numpy as np, pickle',
        "r = np.frombuffer(open('np-records.bin','rb').read(), dtype=np.uint8).reshape(-1, 3073)",
        "d = {b'batch_label': b'x', b'labels': [int(v) for v in r[:, 0]], b'data': np.ascontiguousarray(r[:, 1:]), b'filenames': [b'a'] * len(r)}",
        "for p in (2, 4, 5): pickle.dump(d, open('np_p%d' % p, 'wb'), protocol=p)",
      ].join('\n'),
      dir,
    );
    const ref = referenceNhwc(train1);
    for (const p of [2, 4, 5]) {
      const c = cifarBatchFromPickle(unpickle(await readFile(join(dir, `np_p${p}`)), `p${p}`), `p${p}`);
      expect(Buffer.from(c.images).equals(Buffer.from(ref.images))).toBe(true);
      expect(Array.from(c.labels)).toEqual(ref.labels);
    }
  });
});
