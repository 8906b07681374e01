/** Sampling runs and the paper's experiments (issue 4). */
// import { z } from 'zod';
// import { JobStarted } from './jobs';

export const samplingCalls = {} as const;
