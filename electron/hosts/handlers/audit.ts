/**
 * Handlers for the calls in electron/contract/audit.ts (the service has validated requests).
 * The audit itself is an engine job; reading a saved audit, re-counting it at another threshold
 * and writing its exports answer directly from the run folder (a missing audit is AuditNotFound,
 * 'not-found' by class in hosts/api-errors.ts).
 */
import { basename } from 'node:path';
import { runKinds, type auditCalls } from '../../contract';
import { listRuns } from '../../workspace/runs';
import { loadAudit, summaryAt } from '../../jobs/exports/audit-data';
import { writeAuditExports } from '../../jobs/exports/audit-exports';
import type { HandlerTable } from './types';

const label = (samples: string) => basename(samples.replace(/[\\/]+$/, '')) || samples;

export const auditHandlers: HandlerTable<typeof auditCalls> = {
  'audit.start': async (req, ctx) =>
    ctx.startJob('audit.run', `Audit ${label(req.samples)} against ${req.train}`, { ...req, workspace: ctx.workspace }),

  'audit.list': async (_req, ctx) => ({
    audits: (await listRuns(ctx.workspace))
      .filter((r) => r.kind === runKinds.audit)
      .map((r) => ({ id: r.id, title: r.title, created: r.created, summary: r.summary })),
  }),

  'audit.show': async ({ id }, ctx) => (await loadAudit(ctx.workspace, id)).detail,

  'audit.summary': async ({ id, threshold }, ctx) => summaryAt(await loadAudit(ctx.workspace, id), threshold),

  'audit.export': async ({ id, out, kinds, rows, top, threshold }, ctx) =>
    ({ files: await writeAuditExports(ctx.workspace, id, out, kinds, { rows, top, threshold }) }),
};
