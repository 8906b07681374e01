/**
 * Score error against N as a run (docs/math.md §4, §7): err(N) = time-averaged E||s_N - grad log p_t||^2
 * over independent training sets, and the least-squares slope of log err on log N (about -1: the
 * score is L2-accurate). Saves figure-score-error.svg (log-log with the fit) and table.csv/json.
 */
import { experiments } from '../../contract/experiments';
import { stageContext, type JobContext } from '../../science/job-context';
import type { ScoreErrorRequest, ScoreErrorResult } from '../../contract/sampling';
import { scoreErrorVsN } from '../../science/experiments/score-error';
import { saveRun, runDirectory } from '../../workspace/runs';
import { runEnvironment } from './environment';
import { figureColours, lineFigureSvg } from './figures';
import { writeTable, writeText, type RichRunContent } from './run-files';

export async function runScoreErrorExperiment(workspace: string, req: ScoreErrorRequest, ctx?: JobContext): Promise<ScoreErrorResult> {
  const r = await scoreErrorVsN(
    { Ns: req.Ns, sets: req.sets, T: req.T, h: req.h, samplesPerTime: req.samplesPerTime, seed: req.seed },
    stageContext(ctx, 0, 0.95),
  );
  ctx?.throwIfCancelled();
  const environment = await runEnvironment();
  const summary = {
    slope: r.slope,
    intercept: r.intercept,
    errorAtSmallestN: { N: r.Ns[0]!, error: r.meanError[0]! },
    errorAtLargestN: { N: r.Ns.at(-1)!, error: r.meanError.at(-1)! },
  };
  const figures = ['figure-score-error.svg'];
  ctx?.progress(0.97, 'writing the run');
  const manifest = await saveRun(workspace, experiments.scoreError.runKind, async (dir): Promise<RichRunContent> => {
    const fit = r.Ns.map((N): [number, number] => [N, Math.exp(r.intercept + r.slope * Math.log(N))]);
    await writeText(dir, figures[0]!, lineFigureSvg({
      title: 'Empirical score error against the number of training points',
      subtitle: `2-D N((${r.params.mean.join(', ')}), ${r.params.variance} I); ${r.params.sets} training sets per N; T = ${r.params.T}, h = ${r.params.h}; fitted slope ${r.slope.toFixed(3)}`,
      xLabel: 'training points N (log)',
      yLabel: 'time-averaged E||s_N - ∇log p_t||² (log)',
      xLog: true,
      yLog: true,
      series: [
        { name: 'mean over training sets', points: r.Ns.map((N, i) => [N, r.meanError[i]!]), colour: figureColours.samples, style: 'points' },
        { name: `fit: slope ${r.slope.toFixed(3)}`, points: fit, colour: figureColours.train, style: 'dashed' },
      ],
    }));
    await writeTable(dir, 'table', ['N', 'meanError', 'standardError', ...Array.from({ length: r.params.sets }, (_, j) => `set${j}`)],
      r.Ns.map((N, i) => [N, r.meanError[i]!, r.standardError[i]!, ...r.errors[i]!]));
    return {
      kind: experiments.scoreError.runKind,
      title: `Score error vs N (${r.Ns[0]}..${r.Ns.at(-1)}, ${r.params.sets} sets): slope ${r.slope.toFixed(2)}`,
      params: { ...req, ...r.params },
      environment,
      timings: { total: r.seconds },
      summary,
      details: { fit: 'least squares of log(meanError) on log(N)', freshSamples: `${r.params.samplesPerTime} x ~ p_t per time, stream picks of seed ${r.params.seed}` },
    };
  });
  ctx?.progress(1, 'done');
  return {
    run: manifest.id, dir: runDirectory(workspace, manifest.id), summary,
    Ns: r.Ns, meanError: r.meanError, standardError: r.standardError, slope: r.slope, intercept: r.intercept, figures,
  };
}
