/**
 * Handlers for the calls in electron/contract/runs.ts: the Runs table (rows built in
 * workspace/run-rows.ts), names and tags (workspace/run-labels.ts), comparison and its exports
 * (jobs/compare, jobs/exports), re-runs (a job: jobs/tasks/rerun.ts) and revealing a run folder
 * (only a host with a file manager can; the desktop app passes revealFolder).
 */
import { rerunJobKind, runKindTitle, type runCalls } from '../../contract';
import { readRun, runDirectory } from '../../workspace/runs';
import { listRunRows, runRowOf } from '../../workspace/run-rows';
import { setRunName, setRunTags } from '../../workspace/run-labels';
import { compareRuns } from '../../jobs/compare/run-comparison';
import { writeCompareExports } from '../../jobs/exports/compare-exports';
import { join } from 'node:path';
import { rerunRequest } from '../rerun-request';
import type { HandlerTable } from './types';

export const runHandlers: HandlerTable<typeof runCalls> = {
  'runs.table': async ({ category }, ctx) => {
    const rows = await listRunRows(ctx.workspace);
    return { runs: category ? rows.filter((r) => r.category === category) : rows };
  },

  'runs.rename': async ({ id, name }, ctx) => runRowOf(await setRunName(ctx.workspace, id, name)),

  'runs.tag': async ({ id, add, remove }, ctx) => runRowOf(await setRunTags(ctx.workspace, id, add, remove)),

  'runs.compare': async ({ ids }, ctx) => compareRuns(ctx.workspace, ids),

  'runs.compareExport': async ({ ids, out, kinds }, ctx) => {
    const dir = out ?? join(ctx.workspace, 'exports', `compare-${ids.map((id) => id.slice(-6)).join('-')}`);
    return { dir, files: await writeCompareExports(ctx.workspace, ids, dir, kinds) };
  },

  'runs.rerun': async ({ id }, ctx) => {
    const run = await readRun(ctx.workspace, id);
    const { kind, request } = rerunRequest(ctx.workspace, run);
    return ctx.startJob(rerunJobKind, `Re-run of ${runKindTitle(run.kind)} ${id}`, { workspace: ctx.workspace, of: id, kind, request });
  },

  'runs.reveal': async ({ id }, ctx) => {
    await readRun(ctx.workspace, id);
    const dir = runDirectory(ctx.workspace, id);
    const revealed = ctx.revealFolder ? (ctx.revealFolder(dir), true) : false;
    return { id, dir, revealed };
  },
};
