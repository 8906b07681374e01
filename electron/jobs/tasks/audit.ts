/** Engine jobs of the audit feature, by kind. The work lives in electron/jobs/audit/. */
import { AuditRequest, auditJobKind, type AuditSummary } from '../../contract/audit';
import { runAudit } from '../audit/run-audit';
import { workspaceTask, type TaskTable } from './types';

export const auditTasks: TaskTable<typeof auditJobKind> = {
  [auditJobKind]: workspaceTask(AuditRequest, async (ws, req, ctx): Promise<AuditSummary> => (await runAudit(ws, req, ctx)).summary),
};
