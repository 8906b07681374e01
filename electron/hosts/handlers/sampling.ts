/** Handlers for the calls in electron/contract/sampling.ts: validate-free (the service validated), thin. */
import type { samplingCalls } from '../../contract';
import type { HandlerTable } from './types';

export const samplingHandlers: HandlerTable<typeof samplingCalls> = {};
