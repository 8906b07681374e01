/**
 * Jobs that were meant to leave a run but failed or were cancelled: a run folder holding only
 * outcome.json (no run.json, so every reader of runs skips it), so the Runs table can list them
 * with their parameters and error, and deleting one removes it like any run.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from './atomic';
import { newRunId, runDirectory, runsDirectory } from './runs';

export const OUTCOME_FILE = 'outcome.json';

export interface RunOutcome {
  id: string;
  /** The run kind it would have had ('sample', 'experiment:delta-sweep', 'train-score', 'audit'). */
  kind: string;
  title: string;
  created: string;
  status: 'failed' | 'cancelled';
  error: string | null;
  params: Record<string, unknown>;
}

export async function recordRunOutcome(workspace: string, outcome: Omit<RunOutcome, 'id' | 'created'>): Promise<RunOutcome> {
  const id = newRunId(outcome.kind);
  const record: RunOutcome = { id, created: new Date().toISOString(), ...outcome };
  // the folder appears whole or not at all (a crash mid-write leaves only pid-named debris)
  return withTempDir(runsDirectory(workspace), async (tmp) => {
    await writeFile(join(tmp, OUTCOME_FILE), `${JSON.stringify(record, null, 2)}\n`);
    return { into: runDirectory(workspace, id), value: record };
  });
}

/** The outcome recorded in run folder `id`, or null (none, or unreadable). */
export async function readRunOutcome(workspace: string, id: string): Promise<RunOutcome | null> {
  try {
    const r = JSON.parse(await readFile(join(runDirectory(workspace, id), OUTCOME_FILE), 'utf8')) as RunOutcome;
    return r && (r.status === 'failed' || r.status === 'cancelled') && typeof r.kind === 'string' ? { ...r, id } : null;
  } catch {
    return null;
  }
}
