/**
 * Engine jobs of the sampling feature: sampling runs, the paper's experiments, and training score
 * networks. Handlers send `{...parsed request, workspace}` (early stopping already resolved by
 * the contract); each task hands them, typed, to electron/jobs/runs, which computes, then writes
 * the run folder.
 */
import {
  Cifar10ExperimentRequest, DeltaSweepRequest, Gaussian2dExperimentRequest, LearnedVsEmpiricalRequest, SampleRequest, ScoreErrorRequest,
  samplingJobKinds as samplingKinds,
} from '../../contract/sampling';
import { TrainScoreRequest } from '../../contract/training';
import { MemorizationVsNRequest } from '../../contract/memorization-vs-n';
import { runSample } from '../runs/sample-run';
import { runGaussian2dExperiment } from '../runs/gaussian2d-run';
import { runScoreErrorExperiment } from '../runs/score-error-run';
import { runDeltaSweepExperiment } from '../runs/delta-sweep-run';
import { runCifar10Experiment } from '../runs/cifar10-run';
import { runTrainScore } from '../runs/train-score-run';
import { runLearnedVsEmpiricalExperiment } from '../runs/learned-vs-empirical-run';
import { runMemorizationVsNExperiment } from '../runs/memorization-vs-n-run';
import { workspaceTask as task, type TaskTable } from './types';

export const samplingTasks: TaskTable<(typeof samplingKinds)[keyof typeof samplingKinds]> = {
  [samplingKinds.sample]: task(SampleRequest, runSample),
  [samplingKinds.gaussian2d]: task(Gaussian2dExperimentRequest, runGaussian2dExperiment),
  [samplingKinds.scoreError]: task(ScoreErrorRequest, runScoreErrorExperiment),
  [samplingKinds.deltaSweep]: task(DeltaSweepRequest, runDeltaSweepExperiment),
  [samplingKinds.cifar10]: task(Cifar10ExperimentRequest, (ws, req, ctx) => {
    if (!req.data) throw new Error('experiment cifar10: no dataset given (the host picks the workspace\'s CIFAR-10 dataset)');
    return runCifar10Experiment(ws, { ...req, data: req.data }, ctx);
  }),
  [samplingKinds.trainScore]: task(TrainScoreRequest, runTrainScore),
  [samplingKinds.learnedVsEmpirical]: task(LearnedVsEmpiricalRequest, runLearnedVsEmpiricalExperiment),
  [samplingKinds.memorizationVsN]: task(MemorizationVsNRequest, (ws, req, ctx) => {
    if (!req.data) throw new Error('experiment memorisation-vs-n: no dataset given (the host picks the workspace\'s CIFAR-10 dataset)');
    return runMemorizationVsNExperiment(ws, { ...req, data: req.data }, ctx);
  }),
};
