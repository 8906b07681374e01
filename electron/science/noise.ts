/**
 * Seeded, reproducible Gaussian noise. Same (seed, stream) -> same sequence, on every backend,
 * because the numbers are drawn in JavaScript (xoshiro128** + Box–Muller) and only then uploaded.
 *
 * Streams separate the uses of randomness so one can be held fixed while another varies:
 * e.g. the SAME initial noise (stream `initial`) with different sampler noise (stream `sampler`
 * under another seed). Row-keyed sources (`createRowNoise`) give every sample row its own
 * generator, so sample i is identical whatever the batch size or the number of samples.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Conventional stream ids, so the hosts and experiments agree on what each one drives. */
export const noiseStreams = {
  /** Initial points y_0 ~ N(0, I) of a reverse process. */
  initial: 0,
  /** Per-step noise xi of stochastic samplers. */
  sampler: 1,
  /** Discrete picks: KDE centres, training subsets, fresh draws in experiments. */
  picks: 2,
  /** Synthetic training data. */
  data: 3,
} as const;

export interface NoiseSource {
  /** A new tensor of i.i.d. N(0, 1) float32 values; the caller disposes it. */
  normal(shape: number[]): tf.Tensor;
  /** The same numbers as `normal`, as a plain array. */
  normalArray(count: number): Float32Array;
  /** `count` independent integers uniform on 0..n-1 (with replacement). */
  uniformInt(n: number, count: number): Int32Array;
  /** One uniform number in [0, 1). */
  uniform(): number;
}

/** splitmix32 step: a good 32-bit mixer to turn (seed, stream, row) into generator state. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** xoshiro128** generator; 2^128 - 1 period, passes BigCrush. State is four uint32 words. */
class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second Box–Muller value kept for the next call. */
  private spare = NaN;

  constructor(...keys: number[]) {
    let h = 0x6a09e667;
    for (const k of keys) {
      if (!Number.isFinite(k)) throw new Error(`noise: seeds and streams must be finite numbers, got ${k}`);
      // fold the low and high 32 bits of integer keys (seeds up to 2^53 stay distinct)
      h = mix32(h ^ (k >>> 0));
      h = mix32(h ^ (Math.floor(k / 4294967296) >>> 0));
    }
    this.a = mix32(h);
    this.b = mix32(this.a ^ 0x243f6a88);
    this.c = mix32(this.b ^ 0x85a308d3);
    this.d = mix32(this.c ^ 0x13198a2e);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next uint32. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal by Box–Muller (both values used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }

  fill(out: Float32Array, from = 0, to = out.length): void {
    for (let i = from; i < to; i++) out[i] = this.normal();
  }

  int(n: number): number {
    // rejection sampling removes the modulo bias
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }
}

/** Key tags that keep row and side generators apart from sequential sub-streams. */
const ROW_TAG = 0x726f77; // 'row'
const SIDE_TAG = 0x736964; // 'sid'

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function sizeOf(shape: number[]): number {
  let size = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`noise: shape must hold non-negative integers, got [${shape.join(', ')}]`);
    size *= s;
  }
  return size;
}

function checkInt(n: number, count: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new Error(`uniformInt: n must be an integer in 1..2^32, got ${n}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`uniformInt: count must be a non-negative integer, got ${count}`);
}

/**
 * A sequential source: one generator keyed by (seed, stream, ...subkeys). Subkeys name
 * independent sub-streams, e.g. createNoise(seed, noiseStreams.data, N, set) for training set
 * `set` of size N in an experiment.
 */
export function createNoise(seed: number, stream: number = noiseStreams.initial, ...subkeys: number[]): NoiseSource {
  const rng = new Xoshiro128(seed, stream, ...subkeys);
  const normalArray = (count: number): Float32Array => {
    const out = new Float32Array(count);
    rng.fill(out);
    return out;
  };
  return {
    normal: (shape) => tf.tensor(normalArray(sizeOf(shape)), shape, 'float32'),
    normalArray,
    uniformInt(n, count) {
      checkInt(n, count);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = rng.int(n);
      return out;
    },
    uniform: () => rng.uniform(),
  };
}

/**
 * A row-keyed source for batches of samples: row r (0-based within the batch) draws from the
 * generator keyed by (seed, stream, 'row', firstRow + r), so sample i sees the same numbers
 * whatever batch it falls in. `normal(shape)` needs shape[0] === rows; each row consumes
 * size/rows values from its own generator per call. `uniformInt(n, rows)` gives one draw per
 * row from the row generators; other counts, and `uniform()`, come from a side generator keyed
 * by (seed, stream, 'side', firstRow).
 */
export function createRowNoise(seed: number, stream: number, firstRow: number, rows: number): NoiseSource {
  if (!Number.isInteger(firstRow) || firstRow < 0 || !Number.isInteger(rows) || rows < 1) {
    throw new Error(`createRowNoise: expected integers firstRow >= 0 and rows >= 1, got ${firstRow}, ${rows}`);
  }
  const generators = Array.from({ length: rows }, (_, r) => new Xoshiro128(seed, stream, ROW_TAG, firstRow + r));
  const side = createNoise(seed, stream, SIDE_TAG, firstRow);
  const normalArray = (count: number): Float32Array => {
    if (count % rows !== 0) throw new Error(`row noise: ${count} values do not split into ${rows} rows`);
    const per = count / rows;
    const out = new Float32Array(count);
    for (let r = 0; r < rows; r++) generators[r]!.fill(out, r * per, (r + 1) * per);
    return out;
  };
  return {
    normal(shape) {
      if (shape[0] !== rows) throw new Error(`row noise: expected a leading dimension of ${rows}, got [${shape.join(', ')}]`);
      return tf.tensor(normalArray(sizeOf(shape)), shape, 'float32');
    },
    normalArray,
    uniformInt(n, count) {
      if (count === rows) {
        checkInt(n, count);
        const out = new Int32Array(count);
        for (let r = 0; r < rows; r++) out[r] = generators[r]!.int(n);
        return out;
      }
      return side.uniformInt(n, count);
    },
    uniform: () => side.uniform(),
  };
}
