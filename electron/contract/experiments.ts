/**
 * The paper's experiments, one row each: every other name of an experiment is read from here.
 * The key is the name in code (the Lab's presets, samplingJobKinds); `id` is the name people type
 * (`scorescope reproduce <id>`) and the run kind's suffix; `call` is the contract call that starts
 * it (also its job kind); `runKind` is run.json's `kind` (unchanged since the first runs, so old
 * run folders still read).
 */
export const experiments = {
  gaussian2d: { id: 'gaussian2d', call: 'experiments.gaussian2d', runKind: 'experiment:gaussian2d', title: '2-D Gaussian' },
  scoreError: { id: 'score-error', call: 'experiments.scoreError', runKind: 'experiment:score-error', title: 'Score error vs N' },
  deltaSweep: { id: 'delta-sweep', call: 'experiments.deltaSweep', runKind: 'experiment:delta-sweep', title: 'Delta sweep' },
  cifar10: { id: 'cifar10', call: 'experiments.cifar10', runKind: 'experiment:cifar10', title: 'CIFAR-10' },
  learnedVsEmpirical: {
    id: 'learned-vs-empirical', call: 'experiments.learnedVsEmpirical', runKind: 'experiment:learned-vs-empirical', title: 'Learned vs empirical',
  },
  memorizationVsN: { id: 'memorisation-vs-n', call: 'experiments.memorizationVsN', runKind: 'experiment:memorisation-vs-n', title: 'Memorisation vs N' },
} as const;

export type ExperimentKey = keyof typeof experiments;
export type Experiment = (typeof experiments)[ExperimentKey];
export type ExperimentId = Experiment['id'];
export type ExperimentCall = Experiment['call'];

export const experimentKeys = Object.keys(experiments) as ExperimentKey[];

/** The experiment `scorescope reproduce <id>` names, or undefined. */
export function experimentById(id: string): (Experiment & { key: ExperimentKey }) | undefined {
  const key = experimentKeys.find((k) => experiments[k].id === id);
  return key ? { ...experiments[key], key } : undefined;
}

/** The experiment a run kind belongs to ('experiment:delta-sweep' -> deltaSweep), or undefined. */
export function experimentOfRunKind(kind: string): ExperimentKey | undefined {
  return experimentKeys.find((k) => experiments[k].runKind === kind);
}
