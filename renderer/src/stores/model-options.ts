/**
 * Trained score networks (train-score runs) as the Lab's model picker offers them: what each
 * network takes (an MLP: vectors of its dimension; a U-Net: images of its shape), read from
 * run.json's details.architecture, and which of them fit a dataset. Plain functions, no store:
 * unit-tested in node.
 */
import type { RunInfo } from '../../../electron/contract';

/** The items a network takes. */
export type NetworkInput = { kind: 'mlp'; dimension: number } | { kind: 'unet'; imageShape: [number, number, number] };

/** A trained network as the picker lists it. */
export interface ModelOption {
  id: string;
  input: NetworkInput;
  /** The architecture's name ("U-Net 16 ch ×[1,2,2], 1 block/level", "MLP 3×128"). */
  name: string;
  /** The training data ("name:split (N=...)"). */
  data: string;
  finalLoss: number;
  label: string;
  /** The run's title, for tooltips. */
  title: string;
}

/** What a dataset split holds, as far as fitting a network goes. */
export interface DataShape {
  kind: 'images' | 'vectors';
  itemShape: readonly number[];
  dimension: number;
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const isShape3 = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => Number.isInteger(x) && x > 0);

/** A network's input from its run (runs written before the U-Net have no kind: an MLP); null when unreadable. */
function inputOf(run: RunInfo): NetworkInput | null {
  const a = rec(run.details?.['architecture']);
  if (a['kind'] === 'unet') return isShape3(a['imageShape']) ? { kind: 'unet', imageShape: a['imageShape'] } : null;
  const dimension = num(a['dimension'] ?? run.summary['dimension']);
  return Number.isInteger(dimension) && dimension > 0 ? { kind: 'mlp', dimension } : null;
}

/** The name run.json gives the architecture, or one made from an older run's MLP fields. */
function nameOf(run: RunInfo, input: NetworkInput): string {
  const a = rec(run.details?.['architecture']);
  if (typeof a['name'] === 'string' && a['name']) return a['name'];
  if (input.kind === 'mlp' && typeof a['depth'] === 'number' && typeof a['width'] === 'number') return `MLP ${a['depth']}×${a['width']}`;
  return input.kind === 'mlp' ? 'MLP' : 'U-Net';
}

/** The picker's entry for a train-score run; null when its run.json does not say what the network takes. */
export function modelOptionOf(run: RunInfo): ModelOption | null {
  const input = inputOf(run);
  if (!input) return null;
  const s = run.summary;
  const name = nameOf(run, input);
  const data = String(s['data'] ?? '?');
  const finalLoss = num(s['finalLoss']);
  return {
    id: run.id,
    input,
    name,
    data,
    finalLoss,
    label: `${name} · loss ${Number.isFinite(finalLoss) ? finalLoss.toPrecision(3) : '–'} · ${data} · ${num(s['steps'])} steps · ${run.id.slice(-6)}`,
    title: run.title,
  };
}

/** Whether a network can sample the data: a U-Net images of its exact shape, an MLP items of its dimension. */
export function modelFits(model: ModelOption, data: DataShape): boolean {
  if (model.input.kind === 'unet') return data.kind === 'images' && model.input.imageShape.join('x') === data.itemShape.join('x');
  return model.input.dimension === data.dimension;
}
