/** Datasets: import, list, show, remove, rename, synthesise, download (issue 3). */
// import { z } from 'zod';
// import { JobStarted } from './jobs';

export const datasetCalls = {} as const;
