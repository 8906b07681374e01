/** Headline numbers of a sample set's nearest training points, as results carry them. */
import { z } from 'zod';

export const MemorisationNumbers = z.object({
  memorizedFraction: z.number(),
  medianNearestDistance: z.number(),
  meanNearestDistance: z.number(),
  distinctNearest: z.number().int(),
});
export type MemorisationNumbers = z.infer<typeof MemorisationNumbers>;
