/**
 * Runs on disk: `<workspace>/runs/<id>/run.json` plus the run's files (samples.npz, metrics.json,
 * figures...). A run is assembled in a temporary folder and renamed into place, so a crash never
 * leaves a half run that looks complete. Sampling runs, experiments and audits all live here.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDirAtomic, withTempDir } from './atomic';
import { NotInWorkspace } from './errors';

export interface RunManifest {
  id: string;
  /** 'sample', 'experiment:<name>', 'audit', ... */
  kind: string;
  title: string;
  created: string;
  /** Every parameter needed to repeat the run, seed included. */
  params: Record<string, unknown>;
  /** Backend name and device; versions of the app, tfjs and runtime. */
  environment: Record<string, unknown>;
  /** Seconds spent, by phase. */
  timings: Record<string, number>;
  /** Headline numbers for lists and the CLI's --json. */
  summary: Record<string, unknown>;
  /** Files in the run folder besides run.json. */
  files: string[];
  /** How the files were made (coordinates, schedules, noise streams, dataset identity). */
  details?: Record<string, unknown>;
  /** A person's name for the run and their tags (run-labels.ts); absent until given. */
  name?: string | null;
  tags?: string[];
  /** A re-run: the run it repeats and how close it came (RerunResult without run/dir). */
  rerunOf?: Record<string, unknown>;
}

export type RunContent = Omit<RunManifest, 'id' | 'created' | 'files'>;

const ID_PATTERN = /^[0-9]{8}-[0-9]{6}-[a-z0-9-]{1,40}-[0-9a-f]{6}$/;

export function runsDirectory(workspace: string): string {
  return join(workspace, 'runs');
}

export function newRunId(kind: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = kind.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  return `${stamp}-${slug}-${randomBytes(3).toString('hex')}`;
}

export function isRunId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The run a request named is not in the workspace, or its id is not a run id (hosts answer 'not-found'). */
export class RunNotFound extends NotInWorkspace {
  constructor(message: string) {
    super(message);
    this.name = 'RunNotFound';
  }
}

export function runDirectory(workspace: string, id: string): string {
  if (!isRunId(id)) throw new RunNotFound(`"${id}" is not a run id`);
  return join(runsDirectory(workspace), id);
}

/**
 * Creates a run: `write(dir)` puts the run's files in a temporary folder and returns the
 * manifest content; then run.json is written and the folder renamed to runs/<id>.
 */
export async function saveRun(
  workspace: string,
  kind: string,
  write: (dir: string) => Promise<RunContent>,
  /** An id reserved before the work began (a training that checkpoints under it); default a new one. */
  reservedId?: string,
): Promise<RunManifest> {
  if (reservedId !== undefined && !isRunId(reservedId)) throw new Error(`saveRun: "${reservedId}" is not a run id`);
  const id = reservedId ?? newRunId(kind);
  return withTempDir(runsDirectory(workspace), async (tmp) => {
    const content = await write(tmp);
    const files = (await readdir(tmp)).filter((f) => f !== 'run.json' && !f.startsWith('.')).sort();
    const manifest: RunManifest = { id, created: new Date().toISOString(), ...content, kind: content.kind, files };
    await writeFile(join(tmp, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return { into: join(runsDirectory(workspace), id), value: manifest };
  });
}

export async function readRun(workspace: string, id: string): Promise<RunManifest> {
  const file = join(runDirectory(workspace, id), 'run.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RunNotFound(`no run "${id}" in ${runsDirectory(workspace)}`);
  }
  let manifest: RunManifest;
  try {
    manifest = JSON.parse(text) as RunManifest;
  } catch {
    throw new Error(`${file}: not valid JSON`);
  }
  return normaliseRun(manifest);
}

/**
 * Field names as they are spelt now, for runs written before: summaries once said
 * `memorisedFraction` (and `memorisedFractionByDelta`) where every field now says `memorized...`.
 */
export function normaliseRun(run: RunManifest): RunManifest {
  const summary = run.summary ?? {};
  if (!Object.keys(summary).some((k) => k.startsWith('memorised'))) return run;
  const renamed = Object.entries(summary).map(([k, v]): [string, unknown] => [k.startsWith('memorised') ? `memorized${k.slice('memorised'.length)}` : k, v]);
  return { ...run, summary: Object.fromEntries(renamed) };
}

/** All complete runs, newest first; folders without a readable run.json are skipped. */
export async function listRuns(workspace: string): Promise<RunManifest[]> {
  let names: string[];
  try {
    names = await readdir(runsDirectory(workspace));
  } catch {
    return [];
  }
  // a few reads in flight at once: a workspace of 1 000 runs lists in a fraction of the sequential time
  const ids = names.filter(isRunId);
  const read = await mapLimited(ids, 16, (id) => readRun(workspace, id).catch(() => null /* not a complete run */));
  return read.filter((r): r is RunManifest => r !== null).sort((a, b) => b.id.localeCompare(a.id));
}

/** fn over items with at most `limit` calls pending; results in item order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function removeRun(workspace: string, id: string): Promise<void> {
  const dir = runDirectory(workspace, id);
  await stat(dir).catch(() => {
    throw new RunNotFound(`no run "${id}" in ${runsDirectory(workspace)}`);
  });
  await removeDirAtomic(dir);
}
