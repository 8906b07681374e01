/**
 * Training data for a run: a dataset split of the workspace, cut to its first `subset` items and
 * mapped to the values the engine computes on (data-scaling.ts): uint8 images to [-1, 1],
 * float vectors as they are. The raw bytes of images are kept for the pixel-space KDE.
 */
import { imagesMinus1To1, identityScaling, toModelSpace, type DataScaling } from '../../science/data-scaling';
import type { DataMatrix } from '../../science/data-matrix';
import { loadSplit, parseDatasetRef } from '../../workspace/datasets';

export interface TrainingData {
  /** "name:split". */
  ref: string;
  dataset: string;
  split: string;
  kind: 'images' | 'vectors';
  /** Per-item shape: [H, W, C] or [D]. */
  itemShape: number[];
  /** Items in the split, and items used (the first `used`, of the class when one was asked for). */
  total: number;
  /** The class the items were cut to, if any. */
  classLabel: { class: string; index: number } | null;
  used: number;
  /** Model-space rows [used, D]. */
  matrix: DataMatrix;
  /** Images: the stored pixels of the used items (NHWC rows), else null. */
  pixels: Uint8Array | null;
  scaling: DataScaling;
  /** SHA-256 of the dataset's source, so a run names exactly which data it saw. */
  sha256: string;
}

/**
 * Loads split `ref`, keeping only class `classLabel` (a class name or index; needs labels) when
 * given, then the first `subset` items.
 */
export async function loadTrainingData(workspace: string, ref: string, subset?: number, classLabel?: string): Promise<TrainingData> {
  const { name, split } = parseDatasetRef(ref);
  const s = await loadSplit(workspace, ref);
  const total = s.shape[0] ?? 0;
  const itemShape = s.shape.slice(1);
  const D = itemShape.reduce((a, b) => a * b, 1);
  if (total < 2) throw new Error(`dataset "${name}:${split}" has ${total} item(s); a run needs at least 2 training items`);
  const images = s.manifest.kind === 'images';
  if (images && !(s.data instanceof Uint8Array)) throw new Error(`dataset "${name}:${split}": images must be stored as uint8`);
  let source = s.data;
  let available = total;
  let classNote: { class: string; index: number } | null = null;
  if (classLabel !== undefined) {
    const classes = s.manifest.classes ?? [];
    const index = /^\d+$/.test(classLabel) ? Number(classLabel) : classes.indexOf(classLabel);
    if (!s.labels) throw new Error(`dataset "${name}:${split}" has no labels, so it cannot be cut to class "${classLabel}"`);
    if (index < 0 || (classes.length > 0 && index >= classes.length)) {
      throw new Error(`dataset "${name}" has no class "${classLabel}" (classes: ${classes.length ? classes.map((c, i) => `${i} ${c}`).join(', ') : 'unnamed indices'})`);
    }
    const rows: number[] = [];
    s.labels.forEach((l, i) => void (l === index && rows.push(i)));
    if (rows.length < 2) throw new Error(`class "${classLabel}" of dataset "${name}:${split}" has ${rows.length} item(s); a run needs at least 2`);
    const picked = new (s.data.constructor as Uint8ArrayConstructor)(rows.length * D) as typeof s.data;
    rows.forEach((r, k) => picked.set(s.data.subarray(r * D, (r + 1) * D) as never, k * D));
    source = picked;
    available = rows.length;
    classNote = { class: classes[index] ?? String(index), index };
  }
  const what = classNote ? `class "${classNote.class}" of dataset "${name}:${split}"` : `dataset "${name}:${split}"`;
  if (subset !== undefined && subset > available) {
    throw new Error(`subset ${subset} is larger than ${what} (${available} items): give --subset ${available} or less`);
  }
  const used = subset ?? available;
  const raw = source.subarray(0, used * D);
  const scaling = images ? imagesMinus1To1 : identityScaling;
  const values = toModelSpace(scaling, raw);
  return {
    ref: `${name}:${split}`,
    dataset: name,
    split,
    kind: images ? 'images' : 'vectors',
    itemShape,
    total,
    classLabel: classNote,
    used,
    matrix: { values, rows: used, cols: D },
    pixels: images ? (raw as Uint8Array) : null,
    scaling,
    sha256: s.manifest.sha256,
  };
}
