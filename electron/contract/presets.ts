/**
 * The paper's presets as the Lab offers them: each experiment of contract/experiments.ts at a size
 * that runs in about a minute on a laptop CPU (memorisation vs N, which trains U-Nets, is a long
 * job even in its quick form), with the few knobs the Lab shows. The renderer's
 * store holds the options a person edits; the requests are built here.
 */
import type { z } from 'zod';
import { experiments, type ExperimentKey } from './experiments';
import { DEFAULT_SWEEP_DELTAS, type samplingCalls } from './sampling';
import { TRAIN_SCORE_DEFAULTS } from './training';
import { parseNumberList } from './number-list';

/** The knobs of each preset (data '' = the paper's 2-D set). */
export interface PresetOptions {
  gaussian2d: { steps: number; nSamples: number };
  scoreError: { largestN: number; sets: number };
  /** deltas as typed (comma-separated). */
  deltaSweep: { steps: number; n: number; data: string; subset: number | null; deltas: string };
  cifar10: { subset: number; n: number };
  learnedVsEmpirical: { data: string; trainSteps: number; n: number };
  /** data '' = the workspace's CIFAR-10; quick: the tiny U-Net on N = 16, 256 (about 20 min on a 2-core CPU). */
  memorizationVsN: { data: string; quick: boolean };
}

export function defaultPresetOptions(): PresetOptions {
  return {
    gaussian2d: { steps: 2000, nSamples: 1000 },
    scoreError: { largestN: 800, sets: 3 },
    deltaSweep: { steps: 100, n: 200, data: '', subset: null, deltas: DEFAULT_SWEEP_DELTAS.join(', ') },
    cifar10: { subset: 5000, n: 16 },
    learnedVsEmpirical: { data: '', trainSteps: TRAIN_SCORE_DEFAULTS.mlp.steps, n: 1000 },
    memorizationVsN: { data: '', quick: true },
  };
}

/** Training-set sizes of the score-error preset, up to its largest N. */
const SCORE_ERROR_SIZES = [100, 200, 400, 800, 1600, 3200];

type CallOf<K extends ExperimentKey> = (typeof experiments)[K]['call'];
type CallRequest<C extends keyof typeof samplingCalls> = z.input<(typeof samplingCalls)[C]['request']>;
export interface PresetRequest<K extends ExperimentKey = ExperimentKey> {
  call: CallOf<K>;
  request: CallRequest<CallOf<K>>;
}

/**
 * The call and request of a preset. `cifarTrainImages`: training images of the workspace's
 * CIFAR-10 dataset (the preset's subset is capped to it), null when unknown.
 */
export function presetRequest<K extends ExperimentKey>(key: K, options: PresetOptions, cifarTrainImages: number | null = null): PresetRequest<K> {
  const make = <C extends ExperimentKey>(k: C, request: CallRequest<CallOf<C>>): PresetRequest<C> => ({ call: experiments[k].call, request });
  const any = (r: PresetRequest): PresetRequest<K> => r as PresetRequest<K>;
  switch (key) {
    case 'gaussian2d':
      return any(make('gaussian2d', { steps: options.gaussian2d.steps, nSamples: options.gaussian2d.nSamples }));
    case 'scoreError': {
      const Ns = SCORE_ERROR_SIZES.filter((N) => N <= options.scoreError.largestN);
      return any(make('scoreError', { Ns: Ns.length >= 2 ? Ns : [100, 200], sets: options.scoreError.sets, h: 0.05, samplesPerTime: 500 }));
    }
    case 'deltaSweep': {
      const o = options.deltaSweep;
      return any(make('deltaSweep', {
        steps: o.steps, n: o.n, deltas: parseNumberList(o.deltas, 'deltas'), ...(o.data ? { data: o.data } : {}), ...(o.subset ? { subset: o.subset } : {}),
      }));
    }
    case 'cifar10': {
      const total = cifarTrainImages ?? options.cifar10.subset;
      return any(make('cifar10', { subset: Math.min(options.cifar10.subset, total), n: options.cifar10.n }));
    }
    case 'learnedVsEmpirical': {
      const o = options.learnedVsEmpirical;
      return any(make('learnedVsEmpirical', { trainSteps: o.trainSteps, n: o.n, ...(o.data ? { data: o.data } : {}) }));
    }
    case 'memorizationVsN': {
      const o = options.memorizationVsN;
      return any(make('memorizationVsN', { quick: o.quick, ...(o.data ? { data: o.data } : {}) }));
    }
  }
  throw new Error(`no preset "${String(key)}"`);
}
