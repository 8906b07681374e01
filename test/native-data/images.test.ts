import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { DataError, decodeImage, imageKindOf, probeSource, readSource, type ItemBatch, type SourceInfo } from '../../native-data';
import { writeTar } from '../helpers/tar-writer';
import { pngImage, seededBytes, tempDir, zipBytes } from './fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

interface Item { split: string; key: string; className: string | null | undefined; pixels: Uint8Array }

/** Items in final (key) order, one per image, as the store will see them. */
async function items(source: string, opts = {}): Promise<{ info: SourceInfo; items: Item[] }> {
  const out: Item[] = [];
  const info = await readSource(source, opts, async (b: ItemBatch) => {
    const per = b.data.length / b.count;
    for (let i = 0; i < b.count; i++) {
      out.push({ split: b.split, key: b.itemKeys?.[i] ?? b.key, className: b.className, pixels: (b.data as Uint8Array).slice(i * per, (i + 1) * per) });
    }
  });
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { info, items: out };
}

// 2 splits x 3 classes; 4x4 RGB images with known pixels
const layout: { path: string; seed: number }[] = [];
for (const split of ['train', 'test']) for (const cls of ['cat', 'dog', 'emu']) for (let k = 0; k < 2; k++) layout.push({ path: `${split}/${cls}/img${k}.png`, seed: layout.length + 1 });
const pngs = new Map<string, { png: Uint8Array; raw: Uint8Array }>();

describe('images', () => {
  beforeAll(async () => {
    for (const l of layout) pngs.set(l.path, await pngImage(4, 4, l.seed));
    for (const l of layout) {
      await mkdir(join(dir, 'folder', 'pets', l.path, '..'), { recursive: true });
      await writeFile(join(dir, 'folder', 'pets', l.path), pngs.get(l.path)!.png);
    }
  });

  it('reads a folder: splits from train/test folders, classes from sub-folders, exact pixels', async () => {
    const { info, items: got } = await items(join(dir, 'folder', 'pets'));
    expect(info.format).toBe('images');
    expect(info.classes).toEqual(['cat', 'dog', 'emu']);
    expect(info.labelsFromFolders).toBe(true);
    expect(info.defaultName).toBe('pets');
    expect(got).toHaveLength(12);
    for (const it of got) {
      const l = layout.find((x) => it.key === x.path)!;
      expect(it.split).toBe(l.path.split('/')[0]);
      expect(it.className).toBe(l.path.split('/')[1]);
      expect(Buffer.from(it.pixels).equals(Buffer.from(pngs.get(l.path)!.raw))).toBe(true);
    }
  });

  it('a zip (deflated) and an unsorted tar.gz of the same folder give the same items', async () => {
    const zip = join(dir, 'pets.zip');
    await writeFile(zip, zipBytes([...layout].reverse().map((l) => ({ path: `pets/${l.path}`, data: pngs.get(l.path)!.png, deflate: true }))));
    const tgz = join(dir, 'pets.tar.gz');
    const shuffled = [...layout].sort((a, b) => ((a.seed * 7) % 12) - ((b.seed * 7) % 12));
    await writeFile(tgz, gzipSync(writeTar(shuffled.map((l) => ({ path: `pets/${l.path}`, data: pngs.get(l.path)!.png })))));
    const ref = (await items(join(dir, 'folder', 'pets'))).items;
    for (const src of [zip, tgz]) {
      const { info, items: got } = await items(src);
      expect(info.classes).toEqual(['cat', 'dog', 'emu']);
      expect(got.map((g) => [g.split, g.className, Buffer.from(g.pixels).toString('hex')])).toEqual(
        ref.map((g) => [g.split, g.className, Buffer.from(g.pixels).toString('hex')]),
      );
    }
  });

  it('refuses mixed sizes, listing the sizes with counts; resize makes them S x S', async () => {
    const mixed = join(dir, 'mixed');
    await mkdir(mixed);
    for (let k = 0; k < 3; k++) await writeFile(join(mixed, `a${k}.png`), (await pngImage(8, 8, k + 1)).png);
    for (let k = 0; k < 2; k++) await writeFile(join(mixed, `b${k}.png`), (await pngImage(6, 4, k + 9)).png);
    const err = await items(mixed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).problem).toMatch(/different sizes: 8x8 \(3\), 6x4 \(2\)/);
    const probe = await probeSource(mixed);
    expect(probe.imageSizes).toEqual([{ width: 8, height: 8, count: 3 }, { width: 6, height: 4, count: 2 }]);
    const { items: resized, info } = await items(mixed, { resize: 5 });
    expect(resized).toHaveLength(5);
    expect(resized.every((r) => r.pixels.length === 5 * 5 * 3)).toBe(true);
    expect(info.classes).toBeNull(); // images at the top level: no classes
  });

  it('grayscale and alpha become RGB; JPEG and WebP decode', async () => {
    const g = await pngImage(3, 2, 5, 1);
    const dg = await decodeImage(g.png, 'g.png');
    expect(Array.from(dg.data)).toEqual(Array.from(g.raw).flatMap((v) => [v, v, v]));
    const a = await pngImage(3, 2, 6, 4);
    const da = await decodeImage(a.png, 'a.png');
    expect(Array.from(da.data)).toEqual(Array.from(a.raw).filter((_, i) => i % 4 !== 3));
    const flat = new Uint8Array(16 * 16 * 3).fill(200);
    const jpg = await sharp(flat, { raw: { width: 16, height: 16, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    const webp = await sharp(flat, { raw: { width: 16, height: 16, channels: 3 } }).webp({ lossless: true }).toBuffer();
    expect(imageKindOf(jpg)).toBe('jpeg');
    expect(imageKindOf(webp)).toBe('webp');
    for (const b of [jpg, webp]) {
      const d = await decodeImage(b, 'x');
      expect(d.width).toBe(16);
      expect(Math.max(...Array.from(d.data).map((v) => Math.abs(v - 200)))).toBeLessThanOrEqual(2);
    }
    await expect(decodeImage(seededBytes(100, 1), 'junk.png')).rejects.toThrow(/junk.png: cannot decode image/);
  });

  it('refuses images both at top level and in class folders', async () => {
    const d = join(dir, 'half');
    await mkdir(join(d, 'cat'), { recursive: true });
    await writeFile(join(d, 'top.png'), (await pngImage(4, 4, 1)).png);
    await writeFile(join(d, 'cat', 'x.png'), (await pngImage(4, 4, 2)).png);
    await expect(items(d)).rejects.toThrow(/directly in a split folder/);
  });
});
