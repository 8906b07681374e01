/**
 * Writes one split of a dataset while it streams in: items go straight into <split>.npy, labels
 * are kept in memory (4 bytes per item), and the statistics of the manifest (per-channel mean and
 * std, value range) are accumulated on the way. If batches arrived out of their key order (an
 * unsorted tar), the .npy is rewritten once in key order at the end.
 */
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, NpyStreamWriter, naturalCompare, writeNpy, type ItemBatch } from '../../native-data';
import type { SplitManifest } from './dataset-manifest';

interface Segment {
  readonly key: string;
  readonly start: number;
  readonly count: number;
}

/** Running per-channel moments. uint8: exact 256-bin histograms. float32: shifted sums in float64. */
class ChannelStats {
  private readonly hist: Float64Array | null;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private shift: Float64Array | null = null;
  private n = 0;
  lo = Infinity;
  hi = -Infinity;

  constructor(
    private readonly channels: number,
    bytes: boolean,
  ) {
    this.hist = bytes ? new Float64Array(256 * channels) : null;
    this.sum = new Float64Array(channels);
    this.sumSq = new Float64Array(channels);
  }

  add(data: Uint8Array | Float32Array): void {
    const c = this.channels;
    if (this.hist && data instanceof Uint8Array) {
      const h = this.hist;
      if (c === 3) {
        for (let i = 0; i + 2 < data.length; i += 3) {
          h[data[i] as number]! += 1;
          h[256 + (data[i + 1] as number)]! += 1;
          h[512 + (data[i + 2] as number)]! += 1;
        }
      } else {
        for (let i = 0; i < data.length; i++) h[(i % c) * 256 + (data[i] as number)]! += 1;
      }
      this.n += data.length / c;
      return;
    }
    if (this.shift === null && data.length >= c) this.shift = Float64Array.from(data.subarray(0, c));
    const s = this.shift as Float64Array;
    for (let i = 0; i < data.length; i++) {
      const x = data[i] as number;
      const d = x - (s[i % c] as number);
      this.sum[i % c]! += d;
      this.sumSq[i % c]! += d * d;
      if (x < this.lo) this.lo = x;
      if (x > this.hi) this.hi = x;
    }
    this.n += data.length / c;
  }

  result(): { mean: number[]; std: number[]; range: [number, number] } {
    const mean: number[] = [];
    const std: number[] = [];
    if (this.hist) {
      let lo = 255;
      let hi = 0;
      for (let ch = 0; ch < this.channels; ch++) {
        let s = 0;
        let s2 = 0;
        let n = 0;
        for (let v = 0; v < 256; v++) {
          const k = this.hist[ch * 256 + v] as number;
          if (k > 0) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
          n += k;
          s += k * v;
          s2 += k * v * v;
        }
        const m = s / n;
        mean.push(m);
        std.push(Math.sqrt(Math.max(0, s2 / n - m * m)));
      }
      this.lo = lo;
      this.hi = hi;
      return { mean, std, range: [0, 255] };
    }
    for (let ch = 0; ch < this.channels; ch++) {
      const md = (this.sum[ch] as number) / this.n;
      mean.push((this.shift?.[ch] ?? 0) + md);
      std.push(Math.sqrt(Math.max(0, (this.sumSq[ch] as number) / this.n - md * md)));
    }
    return { mean, std, range: [this.lo, this.hi] };
  }
}

export class SplitWriter {
  private npy: NpyStreamWriter | null = null;
  private itemShape: readonly number[] | null = null;
  private itemBytes = 0;
  private stats: ChannelStats | null = null;
  private labels = new Int32Array(1024);
  private labelled = true;
  private count = 0;
  private readonly segments: Segment[] = [];

  /**
   * @param classIds shared across splits: provisional ids for folder class names
   *   (remapped to the sorted class list in finish()).
   */
  constructor(
    private readonly dir: string,
    readonly split: string,
    private readonly dtype: 'uint8' | 'float32',
    private readonly classIds: Map<string, number>,
    private readonly sourceName: string,
  ) {}

  get file(): string {
    return `${this.split}.npy`;
  }

  async add(b: ItemBatch): Promise<void> {
    if (b.count === 0) return;
    if (this.itemShape === null) {
      this.itemShape = [...b.itemShape];
      this.itemBytes = b.itemShape.reduce((a, v) => a * v, 1) * (this.dtype === 'uint8' ? 1 : 4);
      this.npy = await NpyStreamWriter.create(join(this.dir, this.file), this.dtype === 'uint8' ? '|u1' : '<f4', this.itemShape);
      const channels = (this.itemShape[this.itemShape.length - 1] ?? 1) as number;
      this.stats = new ChannelStats(channels, this.dtype === 'uint8');
    } else if (this.itemShape.join() !== b.itemShape.join()) {
      throw new DataError(this.sourceName, `split ${this.split}: items of shape [${b.itemShape.join(', ')}] after items of shape [${this.itemShape.join(', ')}]`);
    }
    if (b.data.length * b.data.BYTES_PER_ELEMENT !== b.count * this.itemBytes) {
      throw new Error(`SplitWriter: batch ${b.key} has ${b.data.length} values for ${b.count} items`);
    }
    if ((this.dtype === 'uint8') !== b.data instanceof Uint8Array) throw new Error(`SplitWriter: batch ${b.key} has the wrong dtype`);
    await (this.npy as NpyStreamWriter).append(b.data);
    (this.stats as ChannelStats).add(b.data);

    // labels: numeric, or a provisional id for the folder class
    this.growLabels(this.count + b.count);
    if (b.labels) this.labels.set(b.labels, this.count);
    else if (b.className !== undefined && b.className !== null) {
      let id = this.classIds.get(b.className);
      if (id === undefined) {
        id = this.classIds.size;
        this.classIds.set(b.className, id);
      }
      this.labels.fill(id, this.count, this.count + b.count);
    } else this.labelled = false;

    if (b.itemKeys) b.itemKeys.forEach((k, i) => this.segments.push({ key: k, start: this.count + i, count: 1 }));
    else this.segments.push({ key: b.key, start: this.count, count: b.count });
    this.count += b.count;
  }

  private growLabels(n: number): void {
    if (n <= this.labels.length) return;
    const next = new Int32Array(Math.max(n, this.labels.length * 2));
    next.set(this.labels.subarray(0, this.count));
    this.labels = next;
  }

  /**
   * Closes the .npy (in key order), writes labels when the dataset has classes, and returns the
   * split's manifest entry. `folderClasses`: the final sorted class names when labels came from
   * folder names (provisional ids are remapped to indices in it).
   */
  async finish(classes: string[] | null, folderClasses: boolean): Promise<SplitManifest> {
    if (this.npy === null || this.itemShape === null || this.stats === null || this.count === 0) {
      throw new DataError(this.sourceName, `split ${this.split} has no items`);
    }
    await this.npy.close();
    let labels: Int32Array = this.labels.subarray(0, this.count);
    const order = this.sortedOrder();
    if (order) labels = await this.rewriteInOrder(order, labels);

    let labelsFile: string | null = null;
    let classCounts: number[] | null = null;
    if (classes !== null && this.labelled) {
      if (folderClasses) {
        const remap = new Int32Array(this.classIds.size);
        for (const [name, id] of this.classIds) remap[id] = classes.indexOf(name);
        labels = labels.map((l) => remap[l] as number);
      }
      classCounts = new Array<number>(classes.length).fill(0);
      for (let i = 0; i < labels.length; i++) {
        const l = labels[i] as number;
        if (l < 0 || l >= classes.length) throw new DataError(this.sourceName, `item ${i} of ${this.split}: label ${l} is out of range (${classes.length} classes)`);
        classCounts[l]! += 1;
      }
      labelsFile = `${this.split}-labels.npy`;
      await writeNpy(join(this.dir, labelsFile), labels, [labels.length], '<i4');
    }
    const s = this.stats.result();
    return {
      count: this.count,
      shape: [...this.itemShape],
      dtype: this.dtype,
      valueRange: s.range,
      classCounts,
      channelMean: s.mean,
      channelStd: s.std,
      file: this.file,
      labels: labelsFile,
    };
  }

  async abort(): Promise<void> {
    await this.npy?.abort().catch(() => {});
  }

  /** Segment order sorted by key, or null when the arrival order already is. */
  private sortedOrder(): Segment[] | null {
    let sorted = true;
    for (let i = 1; i < this.segments.length && sorted; i++) {
      if (naturalCompare((this.segments[i - 1] as Segment).key, (this.segments[i] as Segment).key) > 0) sorted = false;
    }
    if (sorted) return null;
    return [...this.segments].sort((a, b) => naturalCompare(a.key, b.key));
  }

  private async rewriteInOrder(order: Segment[], labels: Int32Array): Promise<Int32Array> {
    const path = join(this.dir, this.file);
    const tmp = `${path}.sorting`;
    const out = await NpyStreamWriter.create(tmp, this.dtype === 'uint8' ? '|u1' : '<f4', this.itemShape as number[]);
    const src = await open(path, 'r');
    const header = (await src.stat()).size - this.count * this.itemBytes;
    const sorted = new Int32Array(labels.length);
    let at = 0;
    try {
      for (const seg of order) {
        const buf = Buffer.alloc(seg.count * this.itemBytes);
        await src.read(buf, 0, buf.length, header + seg.start * this.itemBytes);
        await out.append(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
        sorted.set(labels.subarray(seg.start, seg.start + seg.count), at);
        at += seg.count;
      }
      await out.close();
    } catch (e) {
      await out.abort();
      await rm(tmp, { force: true });
      throw e;
    } finally {
      await src.close();
    }
    await rename(tmp, path);
    return sorted;
  }
}
