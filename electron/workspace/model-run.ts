/**
 * A trained score network as the runs store keeps it: a 'train-score' run whose run.json names the
 * architecture and the training data, and whose weights.npz holds one float32 array per tensor.
 * This module reads and checks run.json only (async fs, no tfjs), so the hosts can refuse a wrong
 * model at once; score-choice.ts loads the weights in the engine.
 */
import { z } from 'zod';
import { readRun } from './runs';
import { WorkspaceError } from './errors';
import { runKinds } from '../contract/run-kinds';
import { describeArchitecture, networkDimension, type NetworkArchitecture } from '../science/networks';

export const TRAIN_SCORE_KIND = runKinds.trainScore;
export const WEIGHTS_FILE = 'weights.npz';

const Preconditioning = z.union([z.object({ kind: z.literal('noise') }), z.object({ kind: z.literal('edm'), sigmaData: z.number().positive() })]);
const MlpArchitecture = z.object({
  kind: z.literal('mlp').default('mlp'),
  dimension: z.number().int().positive(),
  width: z.number().int().positive(),
  depth: z.number().int().positive(),
  frequencies: z.number().int().nonnegative(),
  preconditioning: Preconditioning.optional(),
});
const UNetArchitecture = z.object({
  kind: z.literal('unet'),
  imageShape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  channels: z.number().int().positive(),
  channelMultipliers: z.array(z.number().int().positive()).min(1),
  resBlocks: z.number().int().positive(),
  attention: z.boolean(),
  frequencies: z.number().int().nonnegative(),
  preconditioning: Preconditioning.optional(),
});
/** Runs written before the U-Net have no `kind`: an MLP. */
const Architecture = z.union([UNetArchitecture, MlpArchitecture]);

const ModelManifest = z.object({
  params: z.object({ T: z.number(), tMin: z.number() }).loose(),
  summary: z.object({ data: z.string(), steps: z.number(), finalLoss: z.number(), dimension: z.number().int() }).loose(),
  details: z.object({
    architecture: Architecture,
    dataset: z.object({ ref: z.string().nullable(), sha256: z.string().nullable().optional() }).loose(),
  }).loose(),
}).loose();

export interface ModelRun {
  id: string;
  architecture: NetworkArchitecture;
  /** Training data: "name:split" of a workspace dataset, or null for synthetic data. */
  dataRef: string | null;
  /** What it was trained on, for titles and run.json ("g2:train (N=100)", "2-D Gaussian ..."). */
  dataLabel: string;
  dataSha256: string | null;
  steps: number;
  finalLoss: number;
  title: string;
  /** The range of OU times t the network was trained on. */
  trainedTimes: { tMin: number; T: number };
}

/** A model run a request named cannot be used: missing, not a network, or for other data (hosts answer 'bad-request'). */
export class ModelRefused extends WorkspaceError {
  constructor(message: string) {
    super('refused', message);
    this.name = 'ModelRefused';
  }
}

/** Reads a train-score run's manifest; errors name the run and say what to do. */
export async function readModelRun(workspace: string, id: string): Promise<ModelRun> {
  let run: Awaited<ReturnType<typeof readRun>>;
  try {
    run = await readRun(workspace, id);
  } catch (e) {
    throw new ModelRefused(`model: ${(e as Error).message} (train one with \`scorescope train-score --data NAME\`; list them with \`scorescope runs list --kind train-score\`)`);
  }
  if (run.kind !== TRAIN_SCORE_KIND) throw new ModelRefused(`model: run ${id} is a "${run.kind}" run, not a train-score run (list them with \`scorescope runs list --kind train-score\`)`);
  if (!run.files.includes(WEIGHTS_FILE)) throw new ModelRefused(`model: run ${id} has no ${WEIGHTS_FILE}`);
  const parsed = ModelManifest.safeParse(run);
  if (!parsed.success) throw new ModelRefused(`model: run.json of run ${id} does not describe a network (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
  const m = parsed.data;
  return {
    id,
    architecture: m.details.architecture,
    dataRef: m.details.dataset.ref,
    dataLabel: m.summary.data,
    dataSha256: m.details.dataset.sha256 ?? null,
    steps: m.summary.steps,
    finalLoss: m.summary.finalLoss,
    title: run.title,
    trainedTimes: { tMin: m.params.tMin, T: m.params.T },
  };
}

/**
 * Why sampling times [delta, T] reach outside the network's training range (null when inside):
 * the network is then extrapolating, which a run should say next to its numbers.
 */
export function trainedRangeWarning(model: ModelRun, delta: number, T: number): string | null {
  const { tMin, T: trainedT } = model.trainedTimes;
  const below = delta < tMin * (1 - 1e-9);
  const above = T > trainedT * (1 + 1e-9);
  if (!below && !above) return null;
  return `the network of run ${model.id} was trained on t in [${tMin}, ${trainedT}]; this run samples t in [${Number(delta.toPrecision(3))}, ${T}]: `
    + `${[below ? 'below' : '', above ? 'above' : ''].filter(Boolean).join(' and ')} that range the score is extrapolated`;
}

/** Refuses a model that was trained on items of another shape than the data it should sample. */
export function checkModelFits(model: ModelRun, itemShape: readonly number[], dataRef: string): void {
  const a = model.architecture;
  const D = itemShape.reduce((x, y) => x * y, 1);
  const fits = a.kind === 'unet' ? a.imageShape.join('x') === itemShape.join('x') : networkDimension(a) === D;
  if (!fits) {
    const trained = a.kind === 'unet' ? `${a.imageShape.join('x')} images` : `${a.dimension}-D data`;
    const held = itemShape.length === 3 ? `${itemShape.join('x')} images` : `${D}-D items`;
    throw new ModelRefused(`model: run ${model.id} (${describeArchitecture(a)}) was trained on ${trained} (${model.dataLabel}); ${dataRef} holds ${held}`);
  }
}
