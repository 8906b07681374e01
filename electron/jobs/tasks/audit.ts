/** Engine jobs of the audit feature, by kind. The work lives in electron/jobs/audit/. */
import { AuditRequest, type AuditSummary } from '../../contract/audit';
import { runAudit } from '../audit/run-audit';
import { workspaceTask, type Task } from './types';

export const auditTasks: Record<string, Task> = {
  'audit.run': workspaceTask(AuditRequest, async (ws, req, ctx): Promise<AuditSummary> => (await runAudit(ws, req, ctx)).summary),
};
