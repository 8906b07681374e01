/**
 * How far a re-run landed from its original: every .npz member both run folders hold, and the
 * numbers of their result tables (table*.json: sweeps and experiments without arrays), compared
 * bit for bit and by the largest absolute difference. Same backend and kernels should give 0.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpz, type NpyArray } from '../../../native-data';

export interface ArrayComparison {
  /** "samples.npz:arr_0" for each member present in both runs. */
  compared: string[];
  identical: boolean;
  /** Largest |a - b| over the compared members; Infinity when shapes differ; null when nothing compared. */
  maxAbsDifference: number | null;
}

function bytesOf(a: NpyArray): Uint8Array {
  return new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

function sameBits(a: NpyArray, b: NpyArray): boolean {
  if (a.dtype.descr !== b.dtype.descr || a.shape.join() !== b.shape.join()) return false;
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function maxAbs(a: NpyArray, b: NpyArray): number {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(Number(a.data[i]) - Number(b.data[i]));
    if (d > m || Number.isNaN(d)) m = Number.isNaN(d) ? (Number.isNaN(Number(a.data[i])) && Number.isNaN(Number(b.data[i])) ? m : Infinity) : d;
  }
  return m;
}

/** Every number of a JSON value, in document order (the table's cells, row by row). */
function numbersOf(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) numbersOf(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) numbersOf(x, out);
  return out;
}

/** Largest |a - b| of two number lists (0 when equal; Infinity when their lengths differ). */
function maxAbsOfLists(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Compares the .npz files and result tables named in both `files` lists of the two run folders. */
export async function compareRunArrays(dirA: string, dirB: string, filesA: string[], filesB: string[]): Promise<ArrayComparison> {
  const shared = filesA.filter((f) => f.endsWith('.npz') && filesB.includes(f)).sort();
  const compared: string[] = [];
  let identical = true;
  let worst = 0;
  for (const file of shared) {
    const [a, b] = await Promise.all([readNpz(join(dirA, file)), readNpz(join(dirB, file))]);
    for (const key of Object.keys(a).filter((k) => k in b).sort()) {
      compared.push(`${file}:${key}`);
      if (sameBits(a[key]!, b[key]!)) continue;
      identical = false;
      worst = Math.max(worst, maxAbs(a[key]!, b[key]!));
    }
  }
  for (const file of filesA.filter((f) => /^table.*\.json$/.test(f) && filesB.includes(f)).sort()) {
    const [a, b] = await Promise.all([dirA, dirB].map(async (d) => numbersOf(JSON.parse(await readFile(join(d, file), 'utf8')))));
    compared.push(file);
    const d = maxAbsOfLists(a!, b!);
    if (d !== 0 || Number.isNaN(d)) {
      identical = false;
      worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    }
  }
  return { compared, identical: compared.length > 0 && identical, maxAbsDifference: compared.length ? worst : null };
}
