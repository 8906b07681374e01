/**
 * What people and re-runs add to a finished run: a name, tags, and a re-run's verdict. They live
 * in run.json itself (one file per run, readable without the app), rewritten atomically; the
 * engine's fields (params, summary, files...) are never touched.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic';
import { RunNotFound, normaliseRun, runDirectory, runsDirectory, type RunManifest } from './runs';

/** Read run.json as stored, change the label fields, write it back atomically. */
async function updateRunJson(workspace: string, id: string, change: (run: RunManifest) => void): Promise<RunManifest> {
  const file = join(runDirectory(workspace, id), 'run.json');
  let run: RunManifest;
  try {
    run = JSON.parse(await readFile(file, 'utf8')) as RunManifest;
  } catch {
    throw new RunNotFound(`no run "${id}" in ${runsDirectory(workspace)}`);
  }
  change(run);
  await writeFileAtomic(file, `${JSON.stringify(run, null, 2)}\n`);
  return normaliseRun(run);
}

/** Names a run (null clears the name; the title stays). */
export function setRunName(workspace: string, id: string, name: string | null): Promise<RunManifest> {
  return updateRunJson(workspace, id, (run) => {
    if (name === null) delete run.name;
    else run.name = name;
  });
}

/** Adds and removes tags (sorted, each once). */
export function setRunTags(workspace: string, id: string, add: readonly string[], remove: readonly string[]): Promise<RunManifest> {
  return updateRunJson(workspace, id, (run) => {
    const tags = new Set(Array.isArray(run.tags) ? run.tags : []);
    for (const t of add) tags.add(t);
    for (const t of remove) tags.delete(t);
    run.tags = [...tags].sort();
  });
}

/** Records on a re-run which run it repeats and how close it came. */
export function setRerunOf(workspace: string, id: string, verdict: Record<string, unknown>): Promise<RunManifest> {
  return updateRunJson(workspace, id, (run) => {
    run.rerunOf = verdict;
  });
}
