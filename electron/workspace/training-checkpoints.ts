/**
 * Checkpoints of a training in progress: <workspace>/checkpoints/<run id>/
 *   state-<step>.npz        weights, Adam's moments, the EMA weights, the loss and gradient-norm curves
 *   checkpoint-<step>.json  the resolved training request, the data's SHA-256, the step, seconds so far
 * Each file is written to a temporary name and renamed, the JSON last, so a checkpoint exists only
 * once both are complete; older ones are removed after a new one lands. A finished training saves
 * its run under the same id and removes the folder. `scorescope train-score --resume <run id>`
 * continues from the newest complete checkpoint.
 */
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpz, tempName, writeNpz, type NpzInput } from '../../native-data';
import { writeFileAtomic } from './atomic';
import { NotInWorkspace } from './errors';
import { isRunId } from './runs';

/** A parameter tensor as stored (the engine's NamedArray). */
export interface StoredArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface CheckpointState {
  step: number;
  weights: StoredArray[];
  adamM: StoredArray[];
  adamV: StoredArray[];
  emaWeights: StoredArray[];
  losses: Float32Array;
  gradientNorms: Float32Array;
  seconds: number;
}

export interface Checkpoint<Request> {
  /** The training request as resolved when it started (data, network, options). */
  request: Request;
  /** SHA-256 of the training data's source, checked again on resume. */
  dataSha256: string | null;
  state: CheckpointState;
  /** The JSON file it was read from. */
  file: string;
}

const GROUPS = ['weights', 'adamM', 'adamV', 'emaWeights'] as const;

/** The folder holding every training's checkpoint folder. */
export function checkpointsDirectory(workspace: string): string {
  return join(workspace, 'checkpoints');
}

export function checkpointDirectory(workspace: string, id: string): string {
  return join(checkpointsDirectory(workspace), id);
}

/** No checkpoint to resume (hosts answer 'not-found'). */
export class CheckpointNotFound extends NotInWorkspace {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointNotFound';
  }
}

export async function writeCheckpoint<Request>(workspace: string, id: string, request: Request, dataSha256: string | null, state: CheckpointState): Promise<void> {
  if (!isRunId(id)) throw new Error(`checkpoint: "${id}" is not a run id`);
  const dir = checkpointDirectory(workspace, id);
  await mkdir(dir, { recursive: true });
  const arrays: Record<string, NpzInput> = { losses: { data: state.losses, shape: [state.losses.length] }, gradientNorms: { data: state.gradientNorms, shape: [state.gradientNorms.length] } };
  for (const g of GROUPS) for (const a of state[g]) arrays[`${g}.${a.name}`] = { data: a.values, shape: a.shape };
  const npz = `state-${state.step}.npz`;
  const tmp = join(dir, tempName(npz));
  try {
    await writeNpz(tmp, arrays);
    await rename(tmp, join(dir, npz));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const manifest = { step: state.step, seconds: state.seconds, state: npz, order: state.weights.map((w) => w.name), dataSha256, request };
  await writeFileAtomic(join(dir, `checkpoint-${state.step}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  // the new checkpoint is complete: older ones go
  for (const f of await readdir(dir)) {
    const m = /^(?:checkpoint|state)-(\d+)\.(?:json|npz)$/.exec(f);
    if (m && Number(m[1]) !== state.step) await rm(join(dir, f), { force: true });
  }
}

/** The newest complete checkpoint of training `id`. */
export async function readCheckpoint<Request>(workspace: string, id: string): Promise<Checkpoint<Request>> {
  const dir = checkpointDirectory(workspace, id);
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    throw new CheckpointNotFound(`no checkpoints for training ${id} in ${join(workspace, 'checkpoints')} (a training writes them every --checkpoint-every steps)`);
  }
  const steps = files.map((f) => /^checkpoint-(\d+)\.json$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => b - a);
  if (steps.length === 0) throw new CheckpointNotFound(`training ${id} has no complete checkpoint in ${dir}`);
  const file = join(dir, `checkpoint-${steps[0]}.json`);
  let manifest: { step: number; seconds: number; state: string; order: string[]; dataSha256: string | null; request: Request };
  try {
    manifest = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable checkpoint (${(e as Error).message})`);
  }
  const npzFile = join(dir, manifest.state);
  const arrays = await readNpz(npzFile);
  const float = (key: string): { shape: number[]; values: Float32Array } => {
    const a = arrays[key];
    if (!a) throw new Error(`${npzFile}: missing "${key}"`);
    if (!(a.data instanceof Float32Array)) throw new Error(`${npzFile}: "${key}" must be float32`);
    return { shape: [...a.shape], values: a.data };
  };
  const group = (g: (typeof GROUPS)[number]) => manifest.order.map((name) => ({ name, ...float(`${g}.${name}`) }));
  return {
    request: manifest.request,
    dataSha256: manifest.dataSha256,
    file,
    state: {
      step: manifest.step,
      seconds: manifest.seconds,
      weights: group('weights'),
      adamM: group('adamM'),
      adamV: group('adamV'),
      emaWeights: group('emaWeights'),
      losses: float('losses').values,
      gradientNorms: float('gradientNorms').values,
    },
  };
}

export async function removeCheckpoints(workspace: string, id: string): Promise<void> {
  await rm(checkpointDirectory(workspace, id), { recursive: true, force: true });
}
