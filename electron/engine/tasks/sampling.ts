/**
 * Engine jobs of the sampling feature: sampling runs and the paper's experiments. Each parses its
 * parameters with the contract schema (handlers send `{...request, workspace}`) and hands over to
 * electron/engine/runs, which computes, then writes the run folder.
 */
import { z } from 'zod';
import {
  Cifar10ExperimentRequest, DeltaSweepRequest, Gaussian2dExperimentRequest, SampleRequest, ScoreErrorRequest, samplingJobKinds as samplingKinds,
} from '../../contract/sampling';
import { runSample } from '../runs/sample-run';
import { runGaussian2dExperiment } from '../runs/gaussian2d-run';
import { runScoreErrorExperiment } from '../runs/score-error-run';
import { runDeltaSweepExperiment } from '../runs/delta-sweep-run';
import { runCifar10Experiment } from '../runs/cifar10-run';
import type { Task } from './types';

const Workspace = z.looseObject({ workspace: z.string().min(1) });

/** Splits `{...request, workspace}` and validates the request part. */
function parse<S extends z.ZodType>(schema: S, params: unknown): { ws: string; req: z.output<S> } {
  const { workspace, ...rest } = Workspace.parse(params);
  return { ws: workspace, req: schema.parse(rest) };
}

export const samplingTasks: Record<string, Task> = {
  [samplingKinds.sample]: async (params, ctx) => {
    const { ws, req } = parse(SampleRequest, params);
    return runSample(ws, req, ctx);
  },
  [samplingKinds.gaussian2d]: async (params, ctx) => {
    const { ws, req } = parse(Gaussian2dExperimentRequest, params);
    return runGaussian2dExperiment(ws, req, ctx);
  },
  [samplingKinds.scoreError]: async (params, ctx) => {
    const { ws, req } = parse(ScoreErrorRequest, params);
    return runScoreErrorExperiment(ws, req, ctx);
  },
  [samplingKinds.deltaSweep]: async (params, ctx) => {
    const { ws, req } = parse(DeltaSweepRequest, params);
    return runDeltaSweepExperiment(ws, req, ctx);
  },
  [samplingKinds.cifar10]: async (params, ctx) => {
    const { ws, req } = parse(Cifar10ExperimentRequest, params);
    if (!req.data) throw new Error('experiment cifar10: no dataset given (the host picks the workspace\'s CIFAR-10 dataset)');
    return runCifar10Experiment(ws, { ...req, data: req.data }, ctx);
  },
};
