/**
 * Property-based tests (fast-check) of the NPY, NPZ, pickle and CIFAR readers: arrays written by an
 * independent encoder (test/hostile/craft.ts, numpy's format by hand) read back exactly, and any
 * mutation of a valid file (bytes flipped, cut, spliced, lengths rewritten) either reads or fails
 * with a DataError that names the file: never a bare RangeError, a stack overflow or a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataError,
  decodeCifarRecords,
  readCifarPythonBatch,
  readNpyBytes,
  readSource,
  unpickle,
  type ItemBatch,
} from '../../native-data';
import { honestEntry, npyHeader, npyRaw, rawZip } from '../hostile/craft';
import { cifarRecords, pickleCifarBatch, tempDir } from './fixtures';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => ({ dir, cleanup } = await tempDir('ss-prop-')));
afterAll(() => cleanup());

const RUNS = 150;

/** Runs a reader; returns 'ok' or 'refused', and fails the property on any other error. */
async function readsOrRefuses(file: string, read: () => unknown): Promise<'ok' | 'refused'> {
  try {
    await read();
    return 'ok';
  } catch (e) {
    if (e instanceof DataError && e.message.startsWith(file)) return 'refused';
    throw new Error(`${file}: not a DataError naming the file: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

/** A mutation of bytes: flips, a cut, a splice of random bytes, or a rewritten 4-byte length. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.oneof(fc.constant(0xffffffff), fc.constant(0x7fffffff), fc.nat()) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Uint8Array, m: Mutation): Buffer {
  const b = Buffer.from(src);
  if (b.length === 0) return b;
  switch (m.kind) {
    case 'flip':
      for (const i of m.at) b[i % b.length] = (b[i % b.length] ?? 0) ^ m.xor;
      return b;
    case 'cut':
      return b.subarray(0, m.at % b.length);
    case 'splice': {
      const i = m.at % b.length;
      return Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]);
    }
    case 'length': {
      if (b.length < 4) return b;
      b.writeUInt32LE(m.value >>> 0, m.at % (b.length - 3));
      return b;
    }
  }
}

const dtypes = [
  { descr: '|u1', make: (xs: number[]) => Uint8Array.from(xs.map((x) => Math.abs(Math.round(x)) % 256)) },
  { descr: '<i4', make: (xs: number[]) => Int32Array.from(xs.map((x) => Math.round(x))) },
  { descr: '<f4', make: (xs: number[]) => Float32Array.from(xs) },
  { descr: '<f8', make: (xs: number[]) => Float64Array.from(xs) },
] as const;

const arrayCase = fc
  .record({
    dtype: fc.constantFrom(...dtypes),
    shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
    seed: fc.integer({ min: -1000, max: 1000 }),
  })
  .map(({ dtype, shape, seed }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = dtype.make(Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 31) % 2001) / 8 - 100));
    return { descr: dtype.descr, shape, values, bytes: npyRaw(npyHeader(dtype.descr, shape), Buffer.from(values.buffer)) };
  });

describe('NPY reader (fast-check)', () => {
  it('reads back any array numpy\'s format can hold, exactly', () => {
    fc.assert(
      fc.property(arrayCase, (c) => {
        const a = readNpyBytes(c.bytes, 'x.npy');
        expect(a.shape).toEqual(c.shape);
        expect(Array.from(a.data as ArrayLike<number>)).toEqual(Array.from(c.values));
      }),
      { numRuns: RUNS },
    );
  });

  it('any mutation of a valid .npy reads or is refused with a DataError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(arrayCase, mutation, async (c, m) => {
        const bytes = mutate(c.bytes, m);
        await readsOrRefuses('m.npy', () => readNpyBytes(bytes, 'm.npy'));
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary header text is read or refused, never crashes the parser', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), fc.uint8Array({ maxLength: 64 }), async (header, body) => {
        await readsOrRefuses('h.npy', () => readNpyBytes(npyRaw(header, Buffer.from(body)), 'h.npy'));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('NPZ reader through readSource (fast-check)', () => {
  it('any mutation of a valid .npz reads or is refused with a DataError naming the file', async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.boolean(), mutation, async (n, deflate, m) => {
        const images = Buffer.alloc(n * 4 * 4 * 3, 7);
        const labels = Buffer.from(new BigInt64Array(Array.from({ length: n }, (_, k) => BigInt(k % 3))).buffer);
        const zip = rawZip([
          honestEntry('arr_0.npy', npyRaw(npyHeader('|u1', [n, 4, 4, 3]), images), deflate),
          honestEntry('arr_1.npy', npyRaw(npyHeader('<i8', [n]), labels), deflate),
        ]);
        const file = join(dir, `m${i++}.npz`);
        await writeFile(file, mutate(zip, m));
        const batches: ItemBatch[] = [];
        await readsOrRefuses(file, () => readSource(file, {}, async (b) => void batches.push(b)));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('pickle reader (fast-check)', () => {
  it('any mutation of a CIFAR python batch reads or is refused with a DataError naming the file', async () => {
    const batch = pickleCifarBatch(cifarRecords(4, 3), 'py2');
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const bytes = mutate(batch, m);
        await readsOrRefuses('data_batch_1', () => readCifarPythonBatch(bytes, 'data_batch_1'));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('arbitrary opcode soup after PROTO 2 is read or refused, never runs out of stack', async () => {
    // opcodes a stream is made of, weighted to the container ones that build deep or wide values
    const op = fc.constantFrom(...[']', '(', 'e', 'a', 'l', 't', ')', '}', 'd', 's', 'u', 'K\x01', 'N', '\x88', '0', '2', '.', 'q\x00', 'h\x00', 'R', 'b'].map((s) => Buffer.from(s, 'latin1')));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 400 }), fc.integer({ min: 0, max: 200_000 }), async (ops, repeat) => {
        const wide = Buffer.alloc(repeat * 2);
        for (let k = 0; k < repeat; k++) wide[2 * k] = 0x4b;
        const bytes = Buffer.concat([Buffer.from([0x80, 2]), Buffer.from(']('), wide, Buffer.from('e'), ...ops, Buffer.from('.')]);
        await readsOrRefuses('soup.pkl', () => unpickle(bytes, 'soup.pkl'));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('CIFAR binary reader (fast-check)', () => {
  it('decodes records exactly (planar rows to HWC) against a direct index formula', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
        const rec = cifarRecords(n, seed);
        const c = decodeCifarRecords(rec, 'b.bin');
        for (let i = 0; i < n; i++) {
          expect(c.labels[i]).toBe(rec[i * 3073]);
          for (const [y, x, ch] of [[0, 0, 0], [31, 31, 2], [5, 17, 1]] as const) {
            expect(c.images[i * 3072 + (y * 32 + x) * 3 + ch]).toBe(rec[i * 3073 + 1 + ch * 1024 + y * 32 + x]);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('any mutation of a CIFAR batch file reads or is refused with a DataError naming the file', async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), mutation, async (n, m) => {
        const d = join(dir, `cifar${i++}`);
        await mkdir(d);
        const file = join(d, 'data_batch_1.bin');
        await writeFile(file, mutate(cifarRecords(n, i), m));
        await readsOrRefuses(file, () => readSource(file, {}, async () => undefined));
      }),
      { numRuns: RUNS },
    );
  });
});
