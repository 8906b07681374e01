/**
 * Training a score network as a run (kind 'train-score'): denoising score matching
 * (training/train-score.ts) of an MLP on vectors or a U-Net on images, then <workspace>/runs/<id>/:
 *   run.json         parameters (seed included), data ref + sha256, architecture, environment
 *                    (backend, memory), timings, summary (final smoothed loss, steps, parameters, speed)
 *   weights.npz      one float32 array per tensor: the EMA weights sampling uses
 *   table.csv/json   the loss curve (every k-th step and the last)
 *   figure-loss.svg  the loss curve
 * While it runs, checkpoints go to <workspace>/checkpoints/<id>/ (workspace/training-checkpoints.ts)
 * every `checkpointEvery` steps; `resume: <id>` continues the newest one to the same result.
 * Sampling runs use the network with score 'learned' and model <run id> (score-choice.ts).
 */
import { stageContext, type JobContext } from '../../science/job-context';
import {
  TRAIN_SCORE_DEFAULTS, UNET_PRESETS, defaultNetwork, learnedScoreRefusal,
  type ScoreNetwork, type TrainScoreRequest, type TrainScoreResult, type TrainScoreSummary,
} from '../../contract/training';
import type { DataMatrix } from '../../science/data-matrix';
import { describeArchitecture, networkLayout, parameterCount, preconditioningOf, type NetworkArchitecture } from '../../science/networks';
import { MLP_FREQUENCIES } from '../../science/networks/mlp';
import { UNET_FREQUENCIES } from '../../science/networks/unet';
import { edmImages } from '../../science/networks/preconditioning';
import { learningRateAt, trainScore, type TrainedScore, type TrainScoreOptions } from '../../science/training/train-score';
import { TRAIN_SCORE_KIND, WEIGHTS_FILE } from '../../workspace/model-run';
import { newRunId, saveRun, runDirectory } from '../../workspace/runs';
import { readCheckpoint, removeCheckpoints, writeCheckpoint, checkpointDirectory } from '../../workspace/training-checkpoints';
import { runEnvironment } from './environment';
import { loadTrainingData } from './training-data';
import { figureColours, lineFigureSvg } from './figures';
import { writeArrays, writeTable, writeText, type RichRunContent } from './run-files';

/** Rows kept in the loss table and figure. */
const CURVE_POINTS = 400;
const LOSS_FIGURE = 'figure-loss.svg';

/** The data a network is trained on: a workspace split or synthetic points. */
export interface TrainingSet {
  matrix: DataMatrix;
  /** "name:split (N=100)" or a description of synthetic data. */
  label: string;
  /** For run.json details.dataset: ref (null when synthetic), sha256, units... */
  details: { ref: string | null; sha256: string | null } & Record<string, unknown>;
}

/** A training request with every choice made: what a checkpoint stores and a resume continues. */
export interface ResolvedTraining {
  data: string;
  subset: number | undefined;
  class: string | undefined;
  network: ScoreNetwork;
  options: TrainScoreOptions;
  checkpointEvery: number;
}

/** Steps kept for the curve: every k-th step and the last (1-based step numbers). */
function curveSteps(steps: number): number[] {
  const every = Math.max(1, Math.ceil(steps / CURVE_POINTS));
  const out: number[] = [];
  for (let s = every; s < steps; s += every) out.push(s);
  out.push(steps);
  return out;
}

/** The network a request describes for items of `itemShape`. */
export function requestedArchitecture(req: TrainScoreRequest, network: ScoreNetwork, itemShape: readonly number[]): NetworkArchitecture {
  if (network === 'mlp') {
    return { kind: 'mlp', dimension: itemShape.reduce((a, b) => a * b, 1), width: req.width, depth: req.depth, frequencies: MLP_FREQUENCIES };
  }
  const p = UNET_PRESETS[req.preset ?? TRAIN_SCORE_DEFAULTS.preset];
  return {
    kind: 'unet',
    imageShape: [itemShape[0]!, itemShape[1]!, itemShape[2]!],
    channels: req.channels ?? p.channels,
    channelMultipliers: [...(req.channelMultipliers ?? p.channelMultipliers)],
    resBlocks: req.resBlocks ?? p.resBlocks,
    attention: req.attention ?? p.attention,
    frequencies: UNET_FREQUENCIES,
    preconditioning: edmImages,
  };
}

/** Every choice of a new training: the network's defaults fill what the request leaves open. */
export function resolveTraining(req: TrainScoreRequest, data: { ref: string; kind: 'images' | 'vectors'; itemShape: readonly number[] }): ResolvedTraining {
  const network: ScoreNetwork = req.model ?? defaultNetwork(data.kind);
  const refusal = learnedScoreRefusal(data.ref, data.kind, data.itemShape, network);
  if (refusal) throw new Error(refusal);
  const d = TRAIN_SCORE_DEFAULTS[network];
  const steps = req.steps ?? d.steps;
  return {
    data: data.ref,
    subset: req.subset,
    class: req.class,
    network,
    options: {
      architecture: requestedArchitecture(req, network, data.itemShape),
      steps,
      batch: req.batch ?? d.batch,
      lr: req.lr ?? d.lr,
      T: req.T,
      tMin: req.tMin,
      seed: req.seed,
      warmup: Math.min(req.warmup ?? d.warmup, Math.floor(steps / 2)),
      clip: req.clip,
      ema: req.ema ?? d.ema,
      flips: req.flips,
    },
    checkpointEvery: req.checkpointEvery ?? d.checkpointEvery,
  };
}

/** Runs scores.train: a new training, or `resume` of an interrupted one from its newest checkpoint. */
export async function runTrainScore(workspace: string, req: TrainScoreRequest, ctx?: JobContext): Promise<TrainScoreResult> {
  ctx?.progress(0, req.resume ? `reading the checkpoint of ${req.resume}` : 'loading training data');
  const checkpoint = req.resume ? await readCheckpoint<ResolvedTraining>(workspace, req.resume) : null;
  const ref = checkpoint ? checkpoint.request.data : req.data!;
  const data = checkpoint
    ? await loadTrainingData(workspace, ref, checkpoint.request.subset, checkpoint.request.class)
    : await loadTrainingData(workspace, ref, req.subset, req.class);
  if (checkpoint && checkpoint.dataSha256 !== data.sha256) {
    throw new Error(`resume ${req.resume}: dataset ${data.ref} changed since the training began (SHA-256 ${data.sha256.slice(0, 12)}…, checkpoint has ${String(checkpoint.dataSha256).slice(0, 12)}…)`);
  }
  const resolved = checkpoint ? checkpoint.request : resolveTraining(req, data);
  const id = req.resume ?? newRunId(TRAIN_SCORE_KIND);
  const classNote = data.classLabel ? `, class ${data.classLabel.class}` : '';
  const set: TrainingSet = {
    matrix: data.matrix,
    label: `${data.ref}${classNote} (N=${data.used})`,
    details: {
      ref: data.ref, sha256: data.sha256, kind: data.kind, itemShape: data.itemShape, totalItems: data.total, usedItems: data.used,
      class: data.classLabel, units: data.kind === 'images' ? 'pixels scaled to [-1, 1]' : 'data units (not standardised)',
    },
  };
  const where = resolved.checkpointEvery > 0 ? `checkpoints every ${resolved.checkpointEvery} steps in ${checkpointDirectory(workspace, id)}; continue an interrupted training with --resume ${id}` : 'no checkpoints';
  ctx?.progress(0.02, checkpoint ? `training run ${id}: resuming at step ${checkpoint.state.step} (${where})` : `training run ${id}: ${where}`);
  const trained = await trainScore(data.matrix, resolved.options, stageContext(ctx, 0.02, 0.95), {
    ...(checkpoint ? { resume: checkpoint.state } : {}),
    checkpointEvery: resolved.checkpointEvery,
    checkpoint: (state) => writeCheckpoint(workspace, id, resolved, data.sha256, state),
  });
  ctx?.throwIfCancelled();
  const params = { data: data.ref, subset: data.used, ...(resolved.class !== undefined ? { class: resolved.class } : {}), model: resolved.network, checkpointEvery: resolved.checkpointEvery, ...(req.resume ? { resume: req.resume } : {}) };
  const result = await saveTrainedScore(workspace, trained, set, params, ctx, { id, resumedFrom: checkpoint?.state.step });
  await removeCheckpoints(workspace, id);
  return result;
}

/** Writes a trained network as a train-score run (also used by experiments that train one). */
export async function saveTrainedScore(
  workspace: string,
  trained: TrainedScore,
  set: TrainingSet,
  params: Record<string, unknown>,
  ctx?: JobContext,
  reserved: { id?: string; resumedFrom?: number | undefined } = {},
): Promise<TrainScoreResult> {
  const o = trained.options;
  const a = o.architecture;
  const parameters = parameterCount(a);
  const environment = await runEnvironment();
  const summary: TrainScoreSummary = {
    finalLoss: trained.finalLoss,
    steps: o.steps,
    parameters,
    seconds: trained.seconds,
    dimension: set.matrix.cols,
    data: set.label,
    trainingItems: set.matrix.rows,
    network: a.kind,
    itemsPerSecond: trained.itemsPerSecond,
    backend: environment.backend,
    ...(reserved.resumedFrom !== undefined ? { resumedFrom: reserved.resumedFrom } : {}),
  };
  const steps = curveSteps(o.steps);
  const name = describeArchitecture(a);
  const title = `Score network · ${set.label} · ${name} · ${o.steps} steps`;
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, TRAIN_SCORE_KIND, async (dir): Promise<RichRunContent> => {
    const w0 = performance.now();
    await writeArrays(dir, WEIGHTS_FILE, Object.fromEntries(trained.model.weights.map((w) => [w.name, { data: w.values, shape: w.shape }])));
    await writeTable(dir, 'table', ['step', 'loss', 'smoothedLoss', 'gradientNorm', 'learningRate'],
      steps.map((s) => [s, trained.losses[s - 1]!, trained.smoothedLosses[s - 1]!, trained.gradientNorms[s - 1]!, learningRateAt(s - 1, o.steps, o.lr, o.warmup)]));
    await writeText(dir, LOSS_FIGURE, lineFigureSvg({
      title: 'Denoising score matching: training loss',
      subtitle: `${set.label}; ${name} (${parameters.toLocaleString('en-US')} parameters), batch ${o.batch}, lr ${o.lr} (warm-up ${o.warmup}, cosine), t log-uniform on [${o.tMin}, ${o.T}]`,
      xLabel: 'step',
      yLabel: 'loss: mean (eps_theta(x, t) − z)² per coordinate',
      yLog: true,
      series: [
        { name: 'loss (one batch)', points: steps.map((s) => [s, trained.losses[s - 1]!]), colour: figureColours.muted, style: 'points' },
        { name: 'smoothed (EMA 0.99)', points: steps.map((s) => [s, trained.smoothedLosses[s - 1]!]), colour: figureColours.samples, style: 'dashed' },
      ],
      marks: [{ y: 1, label: 'predicting 0 scores 1' }],
    }));
    return {
      kind: TRAIN_SCORE_KIND,
      title,
      params: {
        ...params, steps: o.steps, batch: o.batch, lr: o.lr, warmup: o.warmup, clip: o.clip, ema: o.ema, flips: o.flips, T: o.T, tMin: o.tMin, seed: o.seed,
        ...(a.kind === 'mlp' ? { width: a.width, depth: a.depth } : { channels: a.channels, channelMultipliers: a.channelMultipliers, resBlocks: a.resBlocks, attention: a.attention }),
      },
      environment: { ...environment, peakTensorMB: Math.round(trained.peakTensorBytes / 1e5) / 10, peakRssMB: Math.round(process.memoryUsage().rss / 1e5) / 10 },
      timings: { train: trained.seconds, write: (performance.now() - w0) / 1000 },
      summary,
      details: {
        architecture: { ...a, name, parameters, ...architectureNotes(a) },
        weights: { file: WEIGHTS_FILE, dtype: 'float32', which: o.ema > 0 ? `EMA of the weights (decay ${o.ema})` : 'the weights after the last step', members: networkLayout(a).map((p) => ({ name: p.name, shape: p.shape })) },
        dataset: set.details,
        training: {
          objective: preconditioningOf(a).kind === 'edm'
            ? `denoising score matching with EDM preconditioning (sigma_data ${(a.preconditioning as { sigmaData: number }).sigmaData}): sigma = s_t / m_t, x_VE = y + sigma z, input c_in x_VE, `
              + 'target (y - c_skip x_VE) / c_out, denoiser c_skip x_VE + c_out F; loss = mean over the batch and coordinates of (F - target)^2'
            : 'denoising score matching, noise prediction: x = m_t y + s_t z, loss = mean over the batch and coordinates of (eps_theta(x, t) - z)^2',
          times: `log-uniform on [${o.tMin}, ${o.T}]`,
          optimizer: `Adam (beta1 0.9, beta2 0.999, eps 1e-8), global gradient norm clipped to ${o.clip}, learning rate: linear warm-up over ${o.warmup} steps to ${o.lr}, then cosine to ${o.lr / 20}`,
          ema: o.ema > 0 ? `weights EMA, decay min(${o.ema}, (1 + k) / (10 + k)) at step k` : 'none',
          flips: o.flips ? 'random left-right flips' : 'none',
          initialisation: 'Xavier-normal kernels, zero biases; the last layer (and each residual block\'s second convolution) starts at zero',
          noise: `seed ${o.seed}: initial weights from one stream, each step's rows, flips, times and z from a stream keyed by (seed, step), so a resumed training repeats an uninterrupted one`,
          itemsPerSecond: trained.itemsPerSecond,
          sessionSteps: trained.sessionSteps,
          ...(reserved.resumedFrom !== undefined ? { resumedFrom: reserved.resumedFrom } : {}),
        },
        loss: { file: 'table.csv', rows: steps.length, note: 'loss of the step\'s batch, smoothed loss (EMA 0.99, bias-corrected), gradient norm before clipping, learning rate used' },
      },
    };
  }, reserved.id);
  ctx?.progress(1, 'done');
  return { run: manifest.id, dir: runDirectory(workspace, manifest.id), summary, figures: [LOSS_FIGURE] };
}

function architectureNotes(a: NetworkArchitecture): Record<string, string> {
  const score = preconditioningOf(a).kind === 'edm'
    ? 'denoiser D(x_t) = c_skip x_t / m_t + c_out F(c_in x_t / m_t, f(t)), score (m_t D - x_t) / s_t^2 (OU: m_t = e^{-t}, s_t^2 = 1 - e^{-2t}); x in the engine\'s model space'
    : 'score(t, x) = -eps_theta(x, t) / s_t; denoiser (x - s_t eps_theta) / m_t (OU: m_t = e^{-t}, s_t^2 = 1 - e^{-2t}); x in the engine\'s model space';
  const time = `f(t) = [tau, sin(2^k tau), cos(2^k tau) for k < ${a.frequencies}], tau = ln(sigma(t)) / 4, sigma(t) = sqrt(e^{2t} - 1)`;
  if (a.kind === 'mlp') {
    return {
      description: 'MLP noise predictor eps_theta(x, t)', activation: 'silu(u) = u sigmoid(u)', timeFeatures: time, score,
      forward: 'h_0 = silu(x @ hidden0_x_kernel + f(t) @ hidden0_t_kernel + hidden0_bias); h_i = silu(h_{i-1} @ hidden{i}_kernel + hidden{i}_bias); eps = h_last @ output_kernel + output_bias',
    };
  }
  return {
    description: 'U-Net noise predictor eps_theta(x, t) (electron/science/networks/unet.ts)', timeFeatures: `${time}; embedding dense-SiLU-dense to ${4 * a.channels}`, score,
    forward: 'residual blocks GN-SiLU-conv3x3 (+ time embedding) GN-SiLU-conv3x3, 2x2 average pooling down, nearest 2x + conv3x3 up, skips concatenated, NHWC',
  };
}

