/** Handlers for the calls in electron/contract/audit.ts: validate-free (the service validated), thin. */
import type { auditCalls } from '../../contract';
import type { HandlerTable } from './types';

export const auditHandlers: HandlerTable<typeof auditCalls> = {};
