/**
 * Figures the benches record for `npm run bench -- --json` (bench/run.ts prints them as one JSON
 * object). A figure is a named timing: the median of its runs (at least 3 where the bench times
 * it; `runs` holds every one, so the spread on a shared machine is visible), GFLOP/s where the
 * flops are known, and a few facts that say what was timed (kernel, threads, shape).
 */

export interface Figure {
  /** Median of `runs`, in seconds. */
  seconds: number;
  /** Every timed run, in seconds, in the order they ran. */
  runs: number[];
  /** flops / seconds / 1e9, when the bench counts flops. */
  gflops?: number;
  [fact: string]: unknown;
}

const figures = new Map<string, Figure & { bench: string }>();
let currentBench = '';

/** The bench file whose figures are being recorded (set by run.ts before each one). */
export function beginBench(name: string): void {
  currentBench = name;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `f` `reps` times, each timed alone (wall clock), and returns the runs and their median. */
export async function timeRuns(reps: number, f: () => unknown): Promise<{ seconds: number; runs: number[] }> {
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    runs.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(runs), runs };
}

/** Timed runs per figure: BENCH_REPS (default 3, never fewer than 3 so the median means something). */
export function benchReps(): number {
  const asked = Number(process.env['BENCH_REPS'] ?? 3);
  return Number.isInteger(asked) && asked >= 3 ? asked : 3;
}

/** Records a figure under `name` (unique across benches: `knn`, `scoreStep`, ...). */
export function recordFigure(name: string, runs: readonly number[], facts: { flops?: number; [fact: string]: unknown } = {}): Figure {
  const { flops, ...rest } = facts;
  const seconds = median(runs);
  const figure: Figure = { seconds: round(seconds), runs: runs.map(round), ...rest };
  if (flops !== undefined) figure.gflops = Math.round((flops / seconds / 1e9) * 10) / 10;
  figures.set(name, { ...figure, bench: currentBench });
  return figure;
}

function round(s: number): number {
  return Math.round(s * 1e4) / 1e4;
}

/** The JSON object: every figure by name at the top level, plus which bench recorded which. */
export function benchReport(benchesRun: readonly string[], meta: Record<string, unknown>): Record<string, unknown> {
  const benches: Record<string, string[]> = Object.fromEntries(benchesRun.map((b) => [b, []]));
  const out: Record<string, unknown> = { meta, benches };
  for (const [name, { bench, ...figure }] of figures) {
    (benches[bench] ??= []).push(name);
    out[name] = figure;
  }
  return out;
}
