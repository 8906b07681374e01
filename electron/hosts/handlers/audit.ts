/**
 * Handlers for the calls in electron/contract/audit.ts (the service has validated requests).
 * The audit itself is an engine job; reading a saved audit, re-counting it at another threshold
 * and writing its exports answer directly from the run folder.
 */
import { basename } from 'node:path';
import { ApiError, type auditCalls } from '../../contract';
import { listRuns } from '../../workspace/runs';
import { AuditNotFound, loadAudit, summaryAt } from '../../jobs/exports/audit-data';
import { writeAuditExports } from '../../jobs/exports/audit-exports';
import type { HandlerTable } from './types';

async function audit<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof AuditNotFound) throw new ApiError('not-found', e.message);
    throw e;
  }
}

const label = (samples: string) => basename(samples.replace(/[\\/]+$/, '')) || samples;

export const auditHandlers: HandlerTable<typeof auditCalls> = {
  'audit.start': async (req, ctx) =>
    ctx.startJob('audit.run', `Audit ${label(req.samples)} against ${req.train}`, { ...req, workspace: ctx.workspace }),

  'audit.list': async (_req, ctx) => ({
    audits: (await listRuns(ctx.workspace))
      .filter((r) => r.kind === 'audit')
      .map((r) => ({ id: r.id, title: r.title, created: r.created, summary: r.summary })),
  }),

  'audit.show': async ({ id }, ctx) => audit(async () => (await loadAudit(ctx.workspace, id)).detail),

  'audit.summary': async ({ id, threshold }, ctx) => audit(async () => summaryAt(await loadAudit(ctx.workspace, id), threshold)),

  'audit.export': async ({ id, out, kinds, rows, top, threshold }, ctx) =>
    audit(async () => ({ files: await writeAuditExports(ctx.workspace, id, out, kinds, { rows, top, threshold }) })),
};
