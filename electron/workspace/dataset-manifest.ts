/**
 * The on-disk description of a dataset: <ws>/datasets/<name>/manifest.json. Readable without the
 * app: every split is a .npy (uint8 NHWC images or float32 [N, D] vectors) plus int32 labels.
 */
import type { ResizeFit, SyntheticSpec } from '../../native-data';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_VERSION = 1;

export interface SplitManifest {
  /** Number of items. */
  count: number;
  /** Per-item shape: [H, W, C] for images, [D] for vectors. */
  shape: number[];
  dtype: 'uint8' | 'float32';
  /** Images: the nominal [0, 255]. Vectors: observed [min, max]. */
  valueRange: [number, number];
  /** Items per class (index = label), or null when unlabelled. */
  classCounts: number[] | null;
  /** Per channel (images, 0-255 scale) or per dimension (vectors). */
  channelMean: number[];
  /** Population standard deviation, same layout as channelMean. */
  channelStd: number[];
  /** File names relative to the dataset folder. */
  file: string;
  labels: string | null;
}

export interface DatasetManifest {
  version: number;
  name: string;
  /** Absolute source path, or "synthetic". */
  source: string;
  /** cifar10-binary | cifar10-python | npy | npz | images | synthetic-gaussian | synthetic-mixture */
  format: string;
  /** file | folder | tar | tar.gz | zip | generated */
  container: string;
  /** SHA-256 of the source file, of a canonical folder listing, or of the synthetic spec. */
  sha256: string;
  /** ISO 8601. */
  created: string;
  kind: 'images' | 'vectors';
  classes: string[] | null;
  splits: Record<string, SplitManifest>;
  /** Import options that change the content (part of the identity used to spot re-imports). */
  options: { resize: number; fit: ResizeFit } | null;
  /** Synthetic datasets: the spec they were drawn from. */
  spec?: SyntheticSpec;
  /** What the import noticed (conversions, ignored files, default class names ...). */
  notes: string[];
}

/** Light structural check of a manifest read from disk; throws naming the file. */
export function parseManifest(json: unknown, file: string): DatasetManifest {
  const m = json as Partial<DatasetManifest> | null;
  const bad = (what: string) => new Error(`${file}: not a dataset manifest (${what})`);
  if (!m || typeof m !== 'object') throw bad('not an object');
  if (typeof m.name !== 'string' || typeof m.sha256 !== 'string' || typeof m.format !== 'string') throw bad('name, format or sha256 missing');
  if (m.kind !== 'images' && m.kind !== 'vectors') throw bad(`kind is ${String(m.kind)}`);
  if (!m.splits || typeof m.splits !== 'object') throw bad('no splits');
  for (const [k, s] of Object.entries(m.splits)) {
    if (!s || typeof s.count !== 'number' || !Array.isArray(s.shape) || typeof s.file !== 'string') throw bad(`split ${k} incomplete`);
  }
  return {
    version: m.version ?? 1,
    name: m.name,
    source: m.source ?? '',
    format: m.format,
    container: m.container ?? 'file',
    sha256: m.sha256,
    created: m.created ?? '',
    kind: m.kind,
    classes: m.classes ?? null,
    splits: m.splits,
    options: m.options ?? null,
    ...(m.spec ? { spec: m.spec } : {}),
    notes: m.notes ?? [],
  };
}
