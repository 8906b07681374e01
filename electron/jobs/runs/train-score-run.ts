/**
 * Training a score network as a run (kind 'train-score'): denoising score matching on a vector
 * dataset (training/train-score.ts), then <workspace>/runs/<id>/:
 *   run.json         parameters (seed included), data ref + sha256, architecture, environment,
 *                    timings, summary (final smoothed loss, steps, parameters, seconds)
 *   weights.npz      one float32 array per tensor (names and forward pass in run.json details)
 *   table.csv/json   the loss curve (every k-th step and the last)
 *   figure-loss.svg  the loss curve
 * Sampling runs use it with score 'learned' and model <run id> (score-choice.ts).
 */
import { stageContext, type JobContext } from '../../science/job-context';
import { learnedScoreRefusal, type TrainScoreRequest, type TrainScoreResult, type TrainScoreSummary } from '../../contract/training';
import type { DataMatrix } from '../../science/data-matrix';
import { parameterCount, parameterLayout } from '../../science/scores/learned';
import { learningRateAt, trainScore, type TrainedScore } from '../../science/training/train-score';
import { TRAIN_SCORE_KIND, WEIGHTS_FILE } from '../../workspace/model-run';
import { saveRun, runDirectory } from '../../workspace/runs';
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

/** Steps kept for the curve: every k-th step and the last (1-based step numbers). */
function curveSteps(steps: number): number[] {
  const every = Math.max(1, Math.ceil(steps / CURVE_POINTS));
  const out: number[] = [];
  for (let s = every; s < steps; s += every) out.push(s);
  out.push(steps);
  return out;
}

/** Runs scores.train: loads the split, refuses images and D > 64, trains, saves. */
export async function runTrainScore(workspace: string, req: TrainScoreRequest, ctx?: JobContext): Promise<TrainScoreResult> {
  ctx?.progress(0, 'loading training data');
  const data = await loadTrainingData(workspace, req.data, req.subset);
  const refusal = learnedScoreRefusal(data.ref, data.kind, data.itemShape);
  if (refusal) throw new Error(refusal);
  const set: TrainingSet = {
    matrix: data.matrix,
    label: `${data.ref} (N=${data.used})`,
    details: { ref: data.ref, sha256: data.sha256, kind: data.kind, itemShape: data.itemShape, totalItems: data.total, usedItems: data.used, units: 'data units (not standardised)' },
  };
  const { steps, batch, width, depth, lr, T, tMin, seed } = req;
  const trained = trainScore(data.matrix, { steps, batch, width, depth, lr, T, tMin, seed }, stageContext(ctx, 0.02, 0.95));
  ctx?.throwIfCancelled();
  return saveTrainedScore(workspace, trained, set, { ...req, data: data.ref, subset: data.used }, ctx);
}

/** Writes a trained network as a train-score run (also used by experiments that train one). */
export async function saveTrainedScore(
  workspace: string,
  trained: TrainedScore,
  set: TrainingSet,
  params: Record<string, unknown>,
  ctx?: JobContext,
): Promise<TrainScoreResult> {
  const o = trained.options;
  const a = trained.model.architecture;
  const parameters = parameterCount(a);
  const summary: TrainScoreSummary = {
    finalLoss: trained.finalLoss,
    steps: o.steps,
    parameters,
    seconds: trained.seconds,
    dimension: a.dimension,
    data: set.label,
    trainingItems: set.matrix.rows,
  };
  const environment = await runEnvironment();
  const steps = curveSteps(o.steps);
  const title = `Score network · ${set.label} · MLP ${a.depth}×${a.width} · ${o.steps} steps`;
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, TRAIN_SCORE_KIND, async (dir): Promise<RichRunContent> => {
    const w0 = performance.now();
    await writeArrays(dir, WEIGHTS_FILE, Object.fromEntries(trained.model.weights.map((w) => [w.name, { data: w.values, shape: w.shape }])));
    await writeTable(dir, 'table', ['step', 'loss', 'smoothedLoss', 'learningRate'],
      steps.map((s) => [s, trained.losses[s - 1]!, trained.smoothedLosses[s - 1]!, learningRateAt(s - 1, o.steps, o.lr)]));
    await writeText(dir, LOSS_FIGURE, lineFigureSvg({
      title: 'Denoising score matching: training loss',
      subtitle: `${set.label}; MLP ${a.depth}×${a.width} (${parameters.toLocaleString('en-US')} parameters), batch ${o.batch}, lr ${o.lr} (cosine), t log-uniform on [${o.tMin}, ${o.T}]`,
      xLabel: 'step',
      yLabel: 'loss: mean ||eps_theta(x, t) − z||²',
      series: [
        { name: 'loss (one batch)', points: steps.map((s) => [s, trained.losses[s - 1]!]), colour: figureColours.muted, style: 'points' },
        { name: 'smoothed (EMA 0.99)', points: steps.map((s) => [s, trained.smoothedLosses[s - 1]!]), colour: figureColours.samples, style: 'dashed' },
      ],
      marks: [{ y: a.dimension, label: `predicting 0 scores D = ${a.dimension}` }],
    }));
    return {
      kind: TRAIN_SCORE_KIND,
      title,
      params: { ...params, steps: o.steps, batch: o.batch, width: o.width, depth: o.depth, lr: o.lr, T: o.T, tMin: o.tMin, seed: o.seed, frequencies: o.frequencies },
      environment,
      timings: { train: trained.seconds, write: (performance.now() - w0) / 1000 },
      summary,
      details: {
        architecture: {
          kind: 'MLP noise predictor eps_theta(x, t)',
          dimension: a.dimension, width: a.width, depth: a.depth, frequencies: a.frequencies, activation: 'silu(u) = u sigmoid(u)', parameters,
          timeFeatures: `f(t) = [tau, sin(2^k tau), cos(2^k tau) for k < ${a.frequencies}], tau = ln(sigma(t)) / 4, sigma(t) = sqrt(e^{2t} - 1)`,
          forward: 'h_0 = silu(x @ hidden0_x_kernel + f(t) @ hidden0_t_kernel + hidden0_bias); h_i = silu(h_{i-1} @ hidden{i}_kernel + hidden{i}_bias); eps = h_last @ output_kernel + output_bias',
          score: 'score(t, x) = -eps_theta(x, t) / s_t; denoiser (x - s_t eps_theta) / m_t (OU: m_t = e^{-t}, s_t^2 = 1 - e^{-2t}); x in data units',
        },
        weights: { file: WEIGHTS_FILE, dtype: 'float32', members: parameterLayout(a).map((p) => ({ name: p.name, shape: p.shape })) },
        dataset: set.details,
        training: {
          objective: 'denoising score matching: x = m_t y + s_t z, loss = mean over the batch of ||eps_theta(x, t) - z||^2',
          times: `log-uniform on [${o.tMin}, ${o.T}]`,
          optimizer: `Adam (tf.train.adam, beta1 0.9, beta2 0.999), learning rate cosine from ${o.lr} to ${o.lr / 20}`,
          initialisation: 'Xavier-normal kernels (output kernel x 0.1), zero biases',
          noise: `seed ${o.seed}, stream picks, training sub-streams: initial weights, row picks and times, z`,
        },
        loss: { file: 'table.csv', rows: steps.length, note: 'loss of the step\'s batch, smoothed loss (EMA 0.99, bias-corrected), learning rate used' },
      },
    };
  });
  ctx?.progress(1, 'done');
  return { run: manifest.id, dir: runDirectory(workspace, manifest.id), summary, figures: [LOSS_FIGURE] };
}
