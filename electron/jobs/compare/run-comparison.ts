/**
 * Two or more runs side by side, from their run folders: the parameters that differ, their
 * figures in one table, lines that share an axis (memorised fraction against delta; a training's
 * loss against step), and whether their samples can be paired (same seed and image shape: sample
 * i of every run started from the same initial noise).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompareChart, RunComparison } from '../../contract/runs';
import { readRun, runDirectory, type RunManifest } from '../../workspace/runs';
import { runRowOf } from '../../workspace/run-rows';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Loss curves are cut to this many points per run (the chart cannot show more). */
const MAX_CURVE_POINTS = 600;

/** Parameters as compared: the run's params plus where and with what it ran. */
function comparedParameters(run: RunManifest): Rec {
  const env = rec(run.environment);
  return { kind: run.kind, ...run.params, backend: env['backend'] ?? null, kernels: env['kernels'] ?? null };
}

const same = (values: unknown[]) => values.every((v) => JSON.stringify(v) === JSON.stringify(values[0]));

function parameterDiff(runs: RunManifest[]): { parameters: RunComparison['parameters']; shared: number } {
  const all = runs.map(comparedParameters);
  const names = [...new Set(all.flatMap((p) => Object.keys(p)))];
  const parameters: RunComparison['parameters'] = [];
  let shared = 0;
  for (const name of names) {
    const values = all.map((p) => p[name] ?? null);
    if (same(values)) shared++;
    else parameters.push({ name, values });
  }
  return { parameters, shared };
}

function metricTable(runs: RunManifest[]): RunComparison['metrics'] {
  const rows = runs.map(runRowOf);
  const fixed: [string, (i: number) => number | null][] = [
    ['memorizedFraction', (i) => rows[i]!.memorizedFraction],
    ['memorizedCI.low', (i) => rows[i]!.memorizedCI?.[0] ?? null],
    ['memorizedCI.high', (i) => rows[i]!.memorizedCI?.[1] ?? null],
    ['medianNearestDistance', (i) => rows[i]!.medianNearestDistance],
    ['seconds', (i) => rows[i]!.seconds],
  ];
  const metrics = fixed.map(([name, get]) => ({ name, values: runs.map((_, i) => get(i)) }));
  // every other number of the summaries, by name, where at least one run has it
  const taken = new Set(['memorizedFraction', 'medianNearestDistance', 'medianD1', 'seconds', 'memorizedCI']);
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.summary ?? {}).filter((k) => !taken.has(k) && num(r.summary[k]) !== null)))];
  for (const name of names) metrics.push({ name, values: runs.map((r) => num(rec(r.summary)[name])) });
  return metrics.filter((m) => m.values.some((v) => v !== null));
}

const runLabel = (run: RunManifest) => (typeof run.name === 'string' && run.name ? run.name : run.title);

/** Memorised fraction against delta: a sweep's table, or one point per sampling run. */
function memorizedVsDelta(runs: RunManifest[]): CompareChart | null {
  const lines = runs.flatMap((run) => {
    const s = rec(run.summary);
    const byDelta = Object.entries(rec(s['memorizedFractionByDelta']))
      .map(([d, m]) => [Number(d), num(m)] as const)
      .filter((x): x is readonly [number, number] => Number.isFinite(x[0]) && x[1] !== null)
      .map(([d, m]): [number, number] => [d, m])
      .sort((a, b) => a[0] - b[0]);
    const single = num(rec(run.params)['delta']) !== null && num(s['memorizedFraction']) !== null
      ? [[num(run.params['delta'])!, num(s['memorizedFraction'])!] as [number, number]] : [];
    const points = byDelta.length ? byDelta : single;
    return points.length ? [{ run: run.id, label: runLabel(run), points }] : [];
  });
  return lines.length >= 2
    ? { id: 'memorized-vs-delta', title: 'Memorised fraction against delta', xLabel: 'delta', yLabel: 'memorised fraction', xLog: true, yLog: false, lines }
    : null;
}

/** Every k-th row so a curve keeps at most MAX_CURVE_POINTS points (the last one always). */
function thin<T>(rows: T[]): T[] {
  if (rows.length <= MAX_CURVE_POINTS) return rows;
  const k = Math.ceil(rows.length / MAX_CURVE_POINTS);
  return rows.filter((_, i) => i % k === 0 || i === rows.length - 1);
}

async function lossVsStep(workspace: string, runs: RunManifest[]): Promise<CompareChart | null> {
  const lines: CompareChart['lines'] = [];
  for (const run of runs.filter((r) => r.kind === 'train-score' && r.files.includes('table.json'))) {
    try {
      const table = JSON.parse(await readFile(join(runDirectory(workspace, run.id), 'table.json'), 'utf8')) as Rec[];
      const points = thin(table.flatMap((row) => {
        const step = num(row['step']);
        const loss = num(row['smoothedLoss']) ?? num(row['loss']);
        return step !== null && loss !== null && loss > 0 ? [[step, loss] as [number, number]] : [];
      }));
      if (points.length) lines.push({ run: run.id, label: runLabel(run), points });
    } catch {
      /* a training without a readable table has no curve */
    }
  }
  return lines.length >= 2
    ? { id: 'loss-vs-step', title: 'Training loss (smoothed) against step', xLabel: 'step', yLabel: 'loss', xLog: false, yLog: true, lines }
    : null;
}

/** Image samples' shape from details.samples ([n, H, W, C] uint8), or null. */
function imageSamples(run: RunManifest): { n: number; itemShape: number[] } | null {
  const s = rec(rec(run.details)['samples']);
  const shape = Array.isArray(s['shape']) ? (s['shape'] as unknown[]) : [];
  if (s['dtype'] !== 'uint8' || shape.length !== 4 || !shape.every((x) => Number.isInteger(x))) return null;
  return { n: shape[0] as number, itemShape: (shape as number[]).slice(1) };
}

function pairing(runs: RunManifest[]): { paired: RunComparison['paired']; why: string | null } {
  if (!runs.every((r) => r.kind === 'sample')) return { paired: null, why: 'a paired gallery needs sampling runs (kind sample)' };
  const images = runs.map(imageSamples);
  if (images.some((x) => x === null)) return { paired: null, why: 'a paired gallery needs image samples (these are vectors: see the charts)' };
  const shapes = images.map((x) => x!.itemShape.join('x'));
  if (!same(shapes)) return { paired: null, why: `the samples have different shapes (${[...new Set(shapes)].join(', ')})` };
  const seeds = runs.map((r) => r.params['seed'] ?? 0);
  if (!same(seeds)) return { paired: null, why: `the runs drew different initial noise (seeds ${seeds.join(', ')})` };
  return {
    paired: {
      count: Math.min(...images.map((x) => x!.n)),
      itemShape: images[0]!.itemShape,
      withNearest: runs.filter((r) => r.files.includes('nearest.npz')).map((r) => r.id),
    },
    why: null,
  };
}

export async function readComparedRuns(workspace: string, ids: readonly string[]): Promise<RunManifest[]> {
  return Promise.all(ids.map((id) => readRun(workspace, id)));
}

export async function compareRuns(workspace: string, ids: readonly string[]): Promise<RunComparison> {
  const runs = await readComparedRuns(workspace, ids);
  const { parameters, shared } = parameterDiff(runs);
  const charts = [memorizedVsDelta(runs), await lossVsStep(workspace, runs)].filter((c): c is CompareChart => c !== null);
  const { paired, why } = pairing(runs);
  return {
    runs: runs.map(runRowOf),
    parameters,
    sharedParameters: shared,
    metrics: metricTable(runs),
    charts,
    paired,
    pairedWhy: why,
  };
}
