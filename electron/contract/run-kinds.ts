/**
 * What run.json's `kind` can be and what a person calls each: the experiments' kinds and titles
 * come from the experiments table (experiments.ts), the other kinds are listed here. One list for
 * the code that writes runs, the runs store and the Runs view.
 */
import { experimentKeys, experiments } from './experiments';

export const runKinds = { sample: 'sample', trainScore: 'train-score', audit: 'audit' } as const;

const titles: Readonly<Record<string, string>> = {
  [runKinds.sample]: 'Sample',
  [runKinds.trainScore]: 'Score network',
  [runKinds.audit]: 'Audit',
  ...Object.fromEntries(experimentKeys.map((k) => [experiments[k].runKind, experiments[k].title])),
};

/** What the Runs view calls a run of `kind` (the kind itself when it is not a known one). */
export function runKindTitle(kind: string): string {
  return titles[kind] ?? kind;
}
