/** Audits of generated samples against a training split (issue 5). */
// import { z } from 'zod';
// import { JobStarted } from './jobs';

export const auditCalls = {} as const;
