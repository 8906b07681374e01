/**
 * The Runs table's rows, read from each run.json in one place: every kind of run (samples,
 * sweeps, experiments, trainings, audits) spells its data, parameters and headline figures a
 * little differently, and this is where they become the same columns. Trainings that left a
 * checkpoint but no run (killed, cancelled) are rows too, status "interrupted", so they can be
 * found and resumed; jobs that failed or were cancelled (run-outcomes.ts) are rows with that status.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunCategory, RunRow } from '../contract/runs';
import { isRunId, listRuns, runsDirectory, type RunManifest } from './runs';
import { readRunOutcome, type RunOutcome } from './run-outcomes';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const first = <T>(...values: (T | null)[]): T | null => values.find((v) => v !== null) ?? null;

/** Audits measure L2 on pixels scaled to [0, 1] (their summary carries no unit). */
const AUDIT_DISTANCE_UNITS = 'L2 on pixels scaled to [0, 1]';

export function categoryOfKind(kind: string): RunCategory {
  if (kind === 'sample') return 'sample';
  if (kind === 'audit') return 'audit';
  if (kind === 'train-score') return 'training';
  if (kind === 'experiment:delta-sweep') return 'sweep';
  return 'experiment';
}

/** "g2:train (N=100)" -> { dataset: "g2:train", n: 100 }; "g2:train" -> { dataset, n: null }. */
function splitDataLabel(label: string | null): { dataset: string | null; n: number | null } {
  if (!label) return { dataset: null, n: null };
  const m = /^(.*?)\s*\(N\s*=\s*([\d,]+)\)\s*$/.exec(label);
  return m ? { dataset: m[1]!, n: Number(m[2]!.replace(/,/g, '')) } : { dataset: label, n: null };
}

/** A figure that is one number, or per score ({ empirical, learned, ... }): s_N's when there. */
function headlineNumber(v: unknown): number | null {
  const n = num(v);
  if (n !== null) return n;
  const r = rec(v);
  return num(r['empirical']) ?? num(Object.values(r)[0]);
}

/** Per-delta figures {"0.001": x, ...}: the value at the smallest delta (the sweep's most memorising end). */
function atSmallestDelta(v: unknown): number | null {
  const entries = Object.entries(rec(v)).map(([k, x]) => [Number(k), num(x)] as const).filter(([k, x]) => Number.isFinite(k) && x !== null);
  if (entries.length === 0) return null;
  return entries.reduce((a, b) => (b[0] < a[0] ? b : a))[1];
}

function secondsOf(run: RunManifest): number | null {
  const t = run.timings ?? {};
  const total = num(t['total']);
  if (total !== null) return total;
  // phases without a total (trainings, sweeps) add up to the wall time
  const parts = Object.values(t).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return parts.length ? parts.reduce((a, b) => a + b, 0) : num(rec(run.summary)['seconds']);
}

function interval(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' ? [v[0], v[1]] : null;
}

/** One table row from a run.json (any kind, any age). */
export function runRowOf(run: RunManifest): RunRow {
  const p = rec(run.params);
  const s = rec(run.summary);
  const env = rec(run.environment);
  const category = categoryOfKind(run.kind);
  const label = splitDataLabel(str(s['data']));
  const deltas = Array.isArray(p['deltas']) && p['deltas'].every((d) => typeof d === 'number') ? (p['deltas'] as number[]) : null;
  const audit = category === 'audit';
  const sweep = category === 'sweep';
  return {
    id: run.id,
    kind: run.kind,
    category,
    title: run.title,
    name: str(run.name),
    created: run.created,
    status: 'complete',
    tags: Array.isArray(run.tags) ? run.tags.filter((t): t is string => typeof t === 'string') : [],
    dataset: audit ? str(p['train']) : first(label.dataset, str(p['data'])),
    // audits: the training split's size, from details.train
    trainingItems: audit ? num(rec(rec(run.details)['train'])['count']) : first(num(s['trainingItems']), label.n, num(p['subset'])),
    score: str(p['score']) ?? (category === 'training' ? str(s['network']) : null),
    sampler: str(p['sampler']),
    delta: first(num(p['delta']), deltas && deltas.length ? Math.min(...deltas) : null),
    deltas,
    steps: num(p['steps']),
    n: audit ? num(s['count']) : first(num(s['n']), num(p['n'])),
    seed: num(p['seed']),
    backend: str(env['backend']),
    kernels: str(env['kernels']),
    seconds: secondsOf(run),
    memorizedFraction: sweep ? atSmallestDelta(s['memorizedFractionByDelta']) : headlineNumber(s['memorizedFraction']),
    memorizedCI: interval(s['memorizedCI']),
    medianNearestDistance: audit
      ? num(s['medianD1'])
      : sweep ? atSmallestDelta(s['medianNearestDistanceByDelta']) : headlineNumber(s['medianNearestDistance']),
    distanceUnits: audit ? AUDIT_DISTANCE_UNITS : str(s['distanceUnits']),
    rerunOf: str(rec(run.rerunOf)['of']),
    error: null,
  };
}

/** The row of a job that failed or was cancelled before writing its run (its parameters, no figures). */
function outcomeRow(o: RunOutcome): RunRow {
  const row = runRowOf({ id: o.id, kind: o.kind, title: o.title, created: o.created, params: o.params ?? {}, environment: {}, timings: {}, summary: {}, files: [] });
  return { ...row, status: o.status, error: o.error };
}

/** The row of a training that checkpointed but never finished (its checkpoint JSON holds the request). */
async function interruptedTraining(workspace: string, id: string): Promise<RunRow | null> {
  const dir = join(workspace, 'checkpoints', id);
  const files = await readdir(dir).catch(() => [] as string[]);
  const step = Math.max(-1, ...files.map((f) => /^checkpoint-(\d+)\.json$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])));
  if (step < 0) return null;
  let manifest: Rec;
  try {
    manifest = rec(JSON.parse(await readFile(join(dir, `checkpoint-${step}.json`), 'utf8')));
  } catch {
    return null;
  }
  const req = rec(manifest['request']);
  const stamp = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id);
  const created = stamp ? `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}.000Z` : '';
  const steps = num(req['steps']);
  return {
    id, kind: 'train-score', category: 'training',
    title: `Score network · ${str(req['data']) ?? '?'} · stopped at step ${step}${steps !== null ? ` of ${steps}` : ''} (resume with train-score --resume ${id})`,
    name: null, created, status: 'interrupted', tags: [],
    dataset: str(req['data']), trainingItems: num(req['subset']), score: null, sampler: null, delta: null, deltas: null,
    steps, n: null, seed: num(req['seed']), backend: null, kernels: null, seconds: num(manifest['seconds']),
    memorizedFraction: null, memorizedCI: null, medianNearestDistance: null, distanceUnits: null, rerunOf: null, error: null,
  };
}

/** Every run of the workspace as a row, newest first, interrupted trainings included. */
export async function listRunRows(workspace: string): Promise<RunRow[]> {
  const runs = await listRuns(workspace);
  const rows = runs.map(runRowOf);
  const complete = new Set(runs.map((r) => r.id));
  const unfinished = (await readdir(runsDirectory(workspace)).catch(() => [] as string[])).filter((id) => isRunId(id) && !complete.has(id));
  for (const id of unfinished) {
    const outcome = await readRunOutcome(workspace, id);
    if (outcome) rows.push(outcomeRow(outcome));
  }
  const checkpointed = (await readdir(join(workspace, 'checkpoints')).catch(() => [] as string[])).filter((id) => isRunId(id) && !complete.has(id));
  for (const id of checkpointed) {
    const row = await interruptedTraining(workspace, id);
    if (row) rows.push(row);
  }
  return rows.sort((a, b) => b.id.localeCompare(a.id));
}
