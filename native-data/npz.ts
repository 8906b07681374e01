/**
 * NumPy .npz: a zip of .npy members (stored by np.savez, deflated by np.savez_compressed).
 */
import { checkWholeRead, readLimits } from './limits';
import { DataError } from './errors';
import { ZipFile, ZipWriter, type ZipEntry } from './zip';
import { encodeNpy, readNpyBytes, streamNpy, type NpyArray, type NpyData, type NpyHeader, type NpyStream } from './npy';

export interface NpzMember {
  /** Key as numpy shows it (file name without ".npy"). */
  readonly key: string;
  readonly entry: ZipEntry;
}

export function npzMembers(zip: ZipFile): NpzMember[] {
  return zip.entries
    .filter((e) => !e.isDir && e.path.endsWith('.npy'))
    .map((e) => ({ key: e.path.slice(0, -4), entry: e }));
}

/** Streams one member (header first, then item chunks). */
export function streamNpzMember(zip: ZipFile, m: NpzMember, opts: { chunkBytes?: number; signal?: AbortSignal } = {}): Promise<NpyStream> {
  return streamNpy(zip.chunks(m.entry, opts.signal), `${zip.file}:${m.key}`, { available: m.entry.size, chunkBytes: opts.chunkBytes });
}

/** Header of one member without reading its data (inflates only the first bytes). */
export async function npzMemberHeader(zip: ZipFile, m: NpzMember): Promise<NpyHeader> {
  const s = await streamNpzMember(zip, m);
  await s.close();
  return s.header;
}

/** Loads every member of an .npz. */
export async function readNpz(file: string): Promise<Record<string, NpyArray>> {
  const zip = await ZipFile.open(file);
  try {
    const out: Record<string, NpyArray> = {};
    const members = npzMembers(zip);
    if (members.length === 0) throw new DataError(file, 'the .npz archive holds no .npy arrays');
    const limits = readLimits();
    for (const m of members) {
      checkWholeRead(`${file}:${m.key}`, m.entry.size, limits);
      out[m.key] = readNpyBytes(await zip.bytes(m.entry), `${file}:${m.key}`);
    }
    return out;
  } finally {
    await zip.close();
  }
}

export interface NpzInput {
  readonly data: NpyData;
  readonly shape: readonly number[];
  /** numpy descr override (e.g. '|b1' for a bool array held in a Uint8Array). */
  readonly descr?: string;
}

/** Writes an uncompressed .npz (what np.savez writes) to `file`; members stream from their arrays. */
export async function writeNpz(file: string, arrays: Record<string, NpzInput>): Promise<void> {
  const w = await ZipWriter.create(file);
  try {
    for (const [key, a] of Object.entries(arrays)) await w.addEntry(`${key}.npy`, encodeNpy(a.data, a.shape, a.descr));
  } catch (e) {
    await w.abort();
    throw e;
  }
  await w.close();
}
