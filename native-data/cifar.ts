/**
 * CIFAR-10 codecs. Binary records: 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, each a
 * 32x32 row-major plane). Python batches: pickled dicts with b'data' uint8 [N, 3072] (same planar
 * rows) and b'labels'. Both become uint8 NHWC [N, 32, 32, 3] + int32 labels here.
 */
import { DataError } from './errors';
import { PyDict, PyNdArray, pyText, unpickle, type PyValue } from './pickle';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE * 3; // 3072
export const CIFAR_RECORD = 1 + CIFAR_PIXELS; // 3073
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR_ITEM_SHAPE = [CIFAR_SIDE, CIFAR_SIDE, 3];

/** Which split a CIFAR batch file belongs to, from its base name (either layout), or null. */
export function cifarSplitOf(path: string): 'train' | 'test' | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^data_batch_\d+(\.bin)?$/.test(base)) return 'train';
  if (/^test_batch(\.bin)?$/.test(base)) return 'test';
  return null;
}

/** One planar 3072-byte row (R plane, G plane, B plane) into interleaved HWC at out[at..]. */
function planarToHwc(src: Uint8Array, from: number, out: Uint8Array, at: number): void {
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  for (let i = 0; i < plane; i++) {
    const o = at + i * 3;
    out[o] = src[from + i] as number;
    out[o + 1] = src[from + plane + i] as number;
    out[o + 2] = src[from + 2 * plane + i] as number;
  }
}

export interface CifarChunk {
  /** uint8 NHWC [count, 32, 32, 3]. */
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
}

/**
 * Decodes whole binary records. `firstRecord` is the index of records[0] in its file, for errors.
 * Labels must be below `classCount` (10).
 */
export function decodeCifarRecords(records: Uint8Array, file: string, firstRecord = 0, classCount = 10): CifarChunk {
  if (records.length % CIFAR_RECORD !== 0) {
    throw new DataError(file, `CIFAR-10 binary data must be whole 3073-byte records; found ${records.length} bytes`);
  }
  const count = records.length / CIFAR_RECORD;
  const images = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const label = records[k * CIFAR_RECORD] as number;
    if (label >= classCount) {
      throw new DataError(file, `record ${firstRecord + k}: label ${label} is out of range (expected 0-${classCount - 1})`);
    }
    labels[k] = label;
    planarToHwc(records, k * CIFAR_RECORD + 1, images, k * CIFAR_PIXELS);
  }
  return { images, labels, count };
}

/** Checks a binary batch length before reading it: a whole, non-zero number of records. */
export function checkCifarBinaryLength(file: string, bytes: number): number {
  if (bytes === 0 || bytes % CIFAR_RECORD !== 0) {
    const whole = Math.floor(bytes / CIFAR_RECORD);
    throw new DataError(
      file,
      `wrong length for a CIFAR-10 binary batch: ${bytes} bytes is not a whole number of 3073-byte records (${whole} records + ${bytes - whole * CIFAR_RECORD} bytes; truncated file?)`,
    );
  }
  return bytes / CIFAR_RECORD;
}

/** Class names from batches.meta.txt (one per line, blank lines ignored). */
export function parseCifarMetaText(text: string, file: string): string[] {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  if (names.length !== 10) throw new DataError(file, `expected 10 CIFAR-10 class names, found ${names.length}`);
  return names;
}

function notABatch(file: string, found: string): DataError {
  return new DataError(file, `not a CIFAR-10 python batch: expected a dict with b'data' (uint8 array [N, 3072]) and b'labels' (N integers 0-9); found ${found}`);
}

function describe(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v instanceof PyDict) return `a dict with keys [${v.keys().join(', ')}]`;
  if (v instanceof PyNdArray) return `an array ${v.dtype?.descr ?? '?'} (${v.shape.join(', ')})`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return typeof v;
}

/** Decodes an unpickled CIFAR-10 python batch. */
export function cifarBatchFromPickle(value: PyValue, file: string): CifarChunk {
  if (!(value instanceof PyDict)) throw notABatch(file, describe(value));
  const data = value.get('data');
  const labels = value.get('labels');
  if (!(data instanceof PyNdArray) || !Array.isArray(labels)) throw notABatch(file, describe(value));
  const descr = data.dtype?.descr ?? '';
  if (!/^[|<>=]?u1$/.test(descr) || data.shape.length !== 2 || data.shape[1] !== CIFAR_PIXELS) {
    throw notABatch(file, `b'data' = ${describe(data)}`);
  }
  const n = data.shape[0] as number;
  if (data.fortranOrder) throw notABatch(file, "b'data' in Fortran order");
  if (data.data.length !== n * CIFAR_PIXELS) {
    throw new DataError(file, `b'data' claims ${n} rows of 3072 bytes but holds ${data.data.length} bytes (truncated?)`);
  }
  if (labels.length !== n) throw notABatch(file, `${n} images but ${labels.length} labels`);
  const images = new Uint8Array(n * CIFAR_PIXELS);
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const l = labels[k];
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 0 || l > 9) {
      throw new DataError(file, `record ${k}: label ${String(l)} is out of range (expected 0-9)`);
    }
    out[k] = l;
    planarToHwc(data.data, k * CIFAR_PIXELS, images, k * CIFAR_PIXELS);
  }
  return { images, labels: out, count: n };
}

/** Class names from a batches.meta pickle (b'label_names'). */
export function cifarMetaFromPickle(value: PyValue, file: string): string[] {
  const names = value instanceof PyDict ? value.get('label_names') : undefined;
  if (!Array.isArray(names)) throw new DataError(file, `not a CIFAR-10 batches.meta: expected a dict with b'label_names', found ${describe(value)}`);
  const out = names.map((n) => pyText(n));
  if (out.length !== 10 || out.some((n) => n === undefined)) throw new DataError(file, `expected 10 CIFAR-10 class names, found ${out.length}`);
  return out as string[];
}

export function readCifarPythonBatch(bytes: Uint8Array, file: string): CifarChunk {
  return cifarBatchFromPickle(unpickle(bytes, file), file);
}

export function readCifarPythonMeta(bytes: Uint8Array, file: string): string[] {
  return cifarMetaFromPickle(unpickle(bytes, file), file);
}
