/**
 * A training's live loss curve from its progress figures ({ step, steps, loss, smoothedLoss,
 * itemsPerSecond }, plus N when an experiment trains one network per training-set size). Plain
 * functions, no store: unit-tested in node.
 */
import type { FigurePoint } from './figure-series';

type Pair = [number, number];

/** One network's curve: the batch losses (noisy) and the smoothed loss, by step. */
export interface LossCurve {
  /** "N = 16" when the points name N, else null. */
  label: string | null;
  raw: Pair[];
  smoothed: Pair[];
}

/** The latest state of a training: where it is and how fast it goes. */
export interface TrainingPace {
  step: number;
  steps: number | null;
  smoothedLoss: number | null;
  itemsPerSecond: number | null;
}

const finite = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Curves by N in order of first appearance (one curve when the points carry no N); log-axis safe (positive losses only). */
export function lossCurves(points: readonly FigurePoint[]): LossCurve[] {
  const byN = new Map<number | null, LossCurve>();
  for (const p of points) {
    const step = p['step'];
    if (!finite(step)) continue;
    const N = finite(p['N']) ? p['N'] : null;
    let curve = byN.get(N);
    if (!curve) byN.set(N, (curve = { label: N === null ? null : `N = ${N}`, raw: [], smoothed: [] }));
    const loss = p['loss'];
    const smoothed = p['smoothedLoss'];
    if (finite(loss) && loss > 0) curve.raw.push([step, loss]);
    if (finite(smoothed) && smoothed > 0) curve.smoothed.push([step, smoothed]);
  }
  return [...byN.values()];
}

/** The newest point's step, total steps, smoothed loss and speed; null before the first point. */
export function trainingPace(points: readonly FigurePoint[]): TrainingPace | null {
  const last = points.at(-1);
  if (!last || !finite(last['step'])) return null;
  const pick = (k: string) => (finite(last[k]) ? last[k] : null);
  return { step: last['step'], steps: pick('steps'), smoothedLoss: pick('smoothedLoss'), itemsPerSecond: pick('itemsPerSecond') };
}
