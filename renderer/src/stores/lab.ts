import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { client } from '../client';
import { useJobs } from './jobs';
import type {
  CallRequest, Cifar10ExperimentResult, DatasetInfo, DeltaSweepResult, Gaussian2dExperimentResult, GridChoice,
  SampleRunResult, SamplerChoice, ScoreChoice, ScoreErrorResult,
} from '../../../electron/contract';
import { DEFAULT_SWEEP_DELTAS, parseNumberList } from '../../../electron/contract';

/** One column of the Lab: the settings of a sampling run and what it produced. */
export interface PaneState {
  data: string;
  subset: number | null;
  score: ScoreChoice;
  sampler: SamplerChoice;
  delta: number;
  factor: number;
  T: number;
  steps: number;
  grid: GridChoice;
  n: number;
  seed: number;
  /** Keep the initial-noise seed between runs, so moving delta re-samples from the same starts. */
  sameNoise: boolean;
  /** Vector data: run again when the delta slider is released. */
  autoRerun: boolean;
  jobId: string | null;
  result: SampleRunResult | null;
  error: string | null;
}

export type PaneName = 'A' | 'B';
export type PresetName = 'gaussian2d' | 'scoreError' | 'deltaSweep' | 'cifar10';

export interface PresetResults {
  gaussian2d: Gaussian2dExperimentResult;
  scoreError: ScoreErrorResult;
  deltaSweep: DeltaSweepResult;
  cifar10: Cifar10ExperimentResult;
}

interface PresetState<K extends PresetName> {
  jobId: string | null;
  result: PresetResults[K] | null;
  error: string | null;
}

function pane(): PaneState {
  return {
    data: '', subset: null, score: 'empirical', sampler: 'sde', delta: 0.001, factor: 1, T: 5, steps: 100, grid: 'geometric',
    n: 200, seed: 0, sameNoise: true, autoRerun: false, jobId: null, result: null, error: null,
  };
}

const randomSeed = () => Math.floor(Math.random() * 2 ** 31);

/** Dataset options "name:split" with what they hold. */
export interface DataOption {
  ref: string;
  label: string;
  kind: 'images' | 'vectors';
  count: number;
}

/** The Lab: two panes of sampling settings (A | B) and the paper's presets. */
export const useLab = defineStore('lab', () => {
  const jobs = useJobs();
  const datasets = ref<DatasetInfo[]>([]);
  const datasetsError = ref<string | null>(null);
  const compare = ref(false);
  const panes = reactive<Record<PaneName, PaneState>>({ A: pane(), B: pane() });
  const presetOptions = reactive({
    gaussian2d: { steps: 2000, nSamples: 1000 },
    scoreError: { largestN: 800, sets: 3 },
    /** data '' = the paper's 2-D set; deltas as typed (comma-separated). */
    deltaSweep: { steps: 100, n: 200, data: '', subset: null as number | null, deltas: DEFAULT_SWEEP_DELTAS.join(', ') },
    cifar10: { subset: 5000, n: 16 },
  });
  const presets = reactive({
    gaussian2d: { jobId: null, result: null, error: null } as PresetState<'gaussian2d'>,
    scoreError: { jobId: null, result: null, error: null } as PresetState<'scoreError'>,
    deltaSweep: { jobId: null, result: null, error: null } as PresetState<'deltaSweep'>,
    cifar10: { jobId: null, result: null, error: null } as PresetState<'cifar10'>,
  });
  const creatingData = ref(false);

  const dataOptions = computed<DataOption[]>(() =>
    datasets.value.flatMap((d) =>
      Object.entries(d.splits).map(([split, s]) => ({
        ref: `${d.name}:${split}`,
        label: `${d.name}:${split} · ${s.count} ${d.kind === 'images' ? `images ${s.shape.join('×')}` : `points, ${s.shape[0] ?? 1}-D`}`,
        kind: d.kind,
        count: s.count,
      })),
    ),
  );
  const cifarDataset = computed(() => datasets.value.find((d) => d.kind === 'images' && d.format.startsWith('cifar10')) ?? null);

  function optionOf(ref: string): DataOption | null {
    return dataOptions.value.find((o) => o.ref === ref) ?? null;
  }

  async function refreshDatasets(): Promise<void> {
    try {
      datasets.value = (await client.call('datasets.list')).datasets;
      datasetsError.value = null;
      for (const p of Object.values(panes)) {
        if (!optionOf(p.data)) p.data = dataOptions.value[0]?.ref ?? '';
      }
    } catch (e) {
      datasetsError.value = (e as Error).message;
    }
  }

  /** Draws the paper's 2-D training set into the workspace (the Datasets view can make others). */
  async function addPaperGaussian(): Promise<void> {
    creatingData.value = true;
    try {
      const started = await client.call('datasets.synth', { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0, name: 'gaussian-2d' });
      await jobs.result(started.id);
      await refreshDatasets();
      for (const p of Object.values(panes)) if (p.data === '' || p.data === dataOptions.value[0]?.ref) p.data = 'gaussian-2d:train';
    } catch (e) {
      datasetsError.value = (e as Error).message;
    } finally {
      creatingData.value = false;
    }
  }

  function requestOf(p: PaneState): CallRequest<'sample.start'> {
    const base = { data: p.data, n: p.n, seed: p.seed, ...(p.subset ? { subset: p.subset } : {}) };
    if (p.sampler === 'cifar-kde') return { ...base, sampler: p.sampler, factor: p.factor };
    return {
      ...base, sampler: p.sampler, score: p.sampler === 'kde' ? 'empirical' : p.score, delta: p.delta,
      T: p.T, steps: p.steps, grid: p.grid,
    };
  }

  async function run(name: PaneName): Promise<void> {
    const p = panes[name];
    if (p.jobId) return;
    if (!p.sameNoise) p.seed = randomSeed();
    p.error = null;
    try {
      const started = await client.call('sample.start', requestOf(p));
      p.jobId = started.id;
      p.result = (await jobs.result(started.id)) as SampleRunResult;
    } catch (e) {
      p.error = (e as Error).message;
    } finally {
      p.jobId = null;
    }
  }

  function cancel(name: PaneName): void {
    const id = panes[name].jobId;
    if (id) void jobs.cancel(id);
  }

  function copyAToB(): void {
    const { jobId: _j, result: _r, error: _e, ...settings } = panes.A;
    Object.assign(panes.B, settings);
  }

  function presetRequest(name: PresetName) {
    switch (name) {
      case 'gaussian2d':
        return { call: 'experiments.gaussian2d' as const, request: { steps: presetOptions.gaussian2d.steps, nSamples: presetOptions.gaussian2d.nSamples } };
      case 'scoreError': {
        const top = presetOptions.scoreError.largestN;
        const Ns = [100, 200, 400, 800, 1600, 3200].filter((N) => N <= top);
        return { call: 'experiments.scoreError' as const, request: { Ns: Ns.length >= 2 ? Ns : [100, 200], sets: presetOptions.scoreError.sets, h: 0.05, samplesPerTime: 500 } };
      }
      case 'deltaSweep': {
        const o = presetOptions.deltaSweep;
        return {
          call: 'experiments.deltaSweep' as const,
          request: { steps: o.steps, n: o.n, deltas: parseNumberList(o.deltas, 'deltas'), ...(o.data ? { data: o.data } : {}), ...(o.subset ? { subset: o.subset } : {}) },
        };
      }
      case 'cifar10': {
        const total = cifarDataset.value?.splits['train']?.count ?? presetOptions.cifar10.subset;
        return { call: 'experiments.cifar10' as const, request: { subset: Math.min(presetOptions.cifar10.subset, total), n: presetOptions.cifar10.n } };
      }
    }
  }

  async function runPreset(name: PresetName): Promise<void> {
    const state = presets[name];
    if (state.jobId) return;
    state.error = null;
    try {
      const { call, request } = presetRequest(name);
      const started = await client.call(call, request as never);
      state.jobId = started.id;
      const result = await jobs.result(started.id);
      (state as PresetState<PresetName>).result = result as PresetResults[PresetName];
    } catch (e) {
      state.error = (e as Error).message;
    } finally {
      state.jobId = null;
    }
  }

  return {
    datasets, datasetsError, dataOptions, cifarDataset, compare, panes, presets, presetOptions, creatingData,
    optionOf, refreshDatasets, addPaperGaussian, run, cancel, copyAToB, runPreset,
  };
});
