/** Engine jobs of the audit feature, by kind. The work lives in electron/engine/audit/. */
import { z } from 'zod';
import { AuditRequest, type AuditSummary } from '../../contract/audit';
import { runAudit } from '../audit/run-audit';
import type { Task } from './types';

const Workspace = z.looseObject({ workspace: z.string().min(1) });

export const auditTasks: Record<string, Task> = {
  'audit.run': async (params, ctx): Promise<AuditSummary> => {
    const { workspace, ...rest } = Workspace.parse(params);
    const req = AuditRequest.parse(rest);
    return (await runAudit(workspace, req, ctx)).summary;
  },
};
