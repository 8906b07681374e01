/**
 * The live numbers of a job's progress events kept in order (a live chart's points). Plain
 * functions, no store: unit-tested in node.
 */

/** One progress event's live numbers (a training's step, steps, loss, smoothedLoss, itemsPerSecond...). */
export type FigurePoint = Readonly<Record<string, number>>;

/** Points kept per job: past this, every second one is dropped, so a long curve keeps its whole span. */
export const FIGURE_POINTS_CAP = 4000;

/** `points` with `next` appended; thinned to every second point first when it is full. */
export function appendFigures(points: readonly FigurePoint[], next: FigurePoint, cap = FIGURE_POINTS_CAP): FigurePoint[] {
  const kept = points.length >= cap ? points.filter((_, i) => i % 2 === 1) : points;
  return [...kept, next];
}
