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
  /** Items in the split, and items used (the first `used`). */
  total: number;
  used: number;
  /** Model-space rows [used, D]. */
  matrix: DataMatrix;
  /** Images: the stored pixels of the used items (NHWC rows), else null. */
  pixels: Uint8Array | null;
  scaling: DataScaling;
  /** SHA-256 of the dataset's source, so a run names exactly which data it saw. */
  sha256: string;
}

export async function loadTrainingData(workspace: string, ref: string, subset?: number): Promise<TrainingData> {
  const { name, split } = parseDatasetRef(ref);
  const s = await loadSplit(workspace, ref);
  const total = s.shape[0] ?? 0;
  const itemShape = s.shape.slice(1);
  const D = itemShape.reduce((a, b) => a * b, 1);
  if (total < 2) throw new Error(`dataset "${name}:${split}" has ${total} item(s); a run needs at least 2 training items`);
  if (subset !== undefined && subset > total) {
    throw new Error(`subset ${subset} is larger than dataset "${name}:${split}" (${total} items): give --subset ${total} or less`);
  }
  const used = subset ?? total;
  const images = s.manifest.kind === 'images';
  if (images && !(s.data instanceof Uint8Array)) throw new Error(`dataset "${name}:${split}": images must be stored as uint8`);
  const raw = s.data.subarray(0, used * D);
  const scaling = images ? imagesMinus1To1 : identityScaling;
  const values = toModelSpace(scaling, raw);
  return {
    ref: `${name}:${split}`,
    dataset: name,
    split,
    kind: images ? 'images' : 'vectors',
    itemShape,
    total,
    used,
    matrix: { values, rows: used, cols: D },
    pixels: images ? (raw as Uint8Array) : null,
    scaling,
    sha256: s.manifest.sha256,
  };
}
