/** Handlers for the calls in electron/contract/datasets.ts: validate-free (the service validated), thin. */
import type { datasetCalls } from '../../contract';
import type { HandlerTable } from './types';

export const datasetHandlers: HandlerTable<typeof datasetCalls> = {};
