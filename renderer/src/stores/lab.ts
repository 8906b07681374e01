import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { client } from '../client';
import { useJobs } from './jobs';
import { modelFits, modelOptionOf, type ModelOption } from './model-options';
import type {
  CallRequest, DatasetInfo, GridChoice, JobKind, JobResult, RunInfo, SampleRunResult, SamplerChoice, ScoreChoice, ScoreNetwork, UNetPreset,
} from '../../../electron/contract';
import {
  DEFAULT_DELTA, defaultNetwork, DEFAULT_SMOOTHING_DRAWS, TRAIN_SCORE_DEFAULTS, defaultPresetOptions, experiments, learnedScoreRefusal, presetRequest,
  type ExperimentKey,
} from '../../../electron/contract';

/** One column of the Lab: the settings of a sampling run and what it produced. */
export interface PaneState {
  data: string;
  subset: number | null;
  score: ScoreChoice;
  /** Score 'learned': the train-score run whose network samples. */
  model: string | null;
  /** Score 'smoothed': sigma of the perturbations, data units (null or empty: the engine's default, the median nearest-neighbour spacing). */
  smoothing: number | null;
  /** Score 'smoothed': perturbations per evaluation (even). */
  smoothingDraws: number;
  /** Score 'local' (images): the patch side k, odd (null or empty: the engine's default, about a third of the image side). */
  patch: number | null;
  /** Settings of the next "Train a network" job, that job while it runs, and the last one's id (its loss curve stays shown). */
  train: TrainSettings;
  training: JobSlot;
  lastTraining: string | null;
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

/**
 * The train card's settings. Numbers left empty (null, or '' from an emptied number input) take
 * the network's default (TRAIN_SCORE_DEFAULTS); an empty subset takes the pane's "First N items".
 */
export interface TrainSettings {
  /** U-Net size (images; vectors train the MLP). */
  preset: UNetPreset;
  steps: number | null;
  batch: number | null;
  subset: number | null;
}

/** A job the UI follows: its id while it runs, its error when it failed. */
export interface JobSlot {
  jobId: string | null;
  error: string | null;
}

export type PaneName = 'A' | 'B';
/** A preset is one of the paper's experiments (electron/contract/experiments.ts, presets.ts). */
export type PresetName = ExperimentKey;

/** Each preset's result: the result of the job its experiment's call starts. */
export type PresetResults = { [K in PresetName]: JobResult<(typeof experiments)[K]['call']> };

interface PresetState<K extends PresetName> extends JobSlot {
  result: PresetResults[K] | null;
}

function pane(): PaneState {
  return {
    data: '', subset: null, score: 'empirical', model: null, smoothing: null, smoothingDraws: DEFAULT_SMOOTHING_DRAWS, patch: null,
    train: { preset: TRAIN_SCORE_DEFAULTS.preset, steps: null, batch: null, subset: null }, training: { jobId: null, error: null }, lastTraining: null, sampler: 'sde', delta: DEFAULT_DELTA, factor: 1, T: 5, steps: 100, grid: 'geometric',
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
  /** Per-item shape and its product D. */
  itemShape: number[];
  dimension: number;
  /** Why a network cannot be trained on it here (null when it can). */
  learnedRefusal: string | null;
}

/** A typed number of a settings field (an emptied number input holds ''), or undefined. */
const typed = (v: number | null | string): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The network a dataset trains: a U-Net for images, the MLP for vectors (as the engine's default). */
export const networkFor = (o: DataOption): ScoreNetwork => defaultNetwork(o.kind);

/** The Lab: two panes of sampling settings (A | B) and the paper's presets. */
export const useLab = defineStore('lab', () => {
  const jobs = useJobs();
  const datasets = ref<DatasetInfo[]>([]);
  const datasetsError = ref<string | null>(null);
  const compare = ref(false);
  const panes = reactive<Record<PaneName, PaneState>>({ A: pane(), B: pane() });
  /** The presets' knobs (data '' = the paper's 2-D set; the sweep's deltas as typed). */
  const presetOptions = reactive(defaultPresetOptions());
  const presets = reactive({
    gaussian2d: { jobId: null, result: null, error: null } as PresetState<'gaussian2d'>,
    scoreError: { jobId: null, result: null, error: null } as PresetState<'scoreError'>,
    deltaSweep: { jobId: null, result: null, error: null } as PresetState<'deltaSweep'>,
    cifar10: { jobId: null, result: null, error: null } as PresetState<'cifar10'>,
    learnedVsEmpirical: { jobId: null, result: null, error: null } as PresetState<'learnedVsEmpirical'>,
    memorizationVsN: { jobId: null, result: null, error: null } as PresetState<'memorizationVsN'>,
  });
  /** Trained score networks of the workspace (train-score runs), newest first. */
  const modelRuns = ref<RunInfo[]>([]);
  const creatingData = ref(false);

  const dataOptions = computed<DataOption[]>(() =>
    datasets.value.flatMap((d) =>
      Object.entries(d.splits).map(([split, s]) => ({
        ref: `${d.name}:${split}`,
        label: `${d.name}:${split} · ${s.count} ${d.kind === 'images' ? `images ${s.shape.join('×')}` : `points, ${s.shape[0] ?? 1}-D`}`,
        kind: d.kind,
        count: s.count,
        itemShape: s.shape,
        dimension: s.shape.reduce((a, b) => a * b, 1),
        learnedRefusal: learnedScoreRefusal(`${d.name}:${split}`, d.kind, s.shape),
      })),
    ),
  );

  const models = computed<ModelOption[]>(() => modelRuns.value.flatMap((r) => modelOptionOf(r) ?? []));

  /** Networks that can sample a pane's data: U-Nets of its image shape, MLPs of its dimension. */
  function modelsFor(ref: string): ModelOption[] {
    const o = optionOf(ref);
    return o && !o.learnedRefusal ? models.value.filter((m) => modelFits(m, o)) : [];
  }

  async function refreshModels(): Promise<void> {
    try {
      modelRuns.value = (await client.call('runs.list', { kind: 'train-score' })).runs;
    } catch (e) {
      datasetsError.value = (e as Error).message;
    }
  }
  const cifarDataset = computed(() => datasets.value.find((d) => d.kind === 'images' && d.format.startsWith('cifar10')) ?? null);

  function optionOf(ref: string): DataOption | null {
    return dataOptions.value.find((o) => o.ref === ref) ?? null;
  }

  async function refreshDatasets(): Promise<void> {
    void refreshModels();
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
      await jobs.result(started);
      await refreshDatasets();
      for (const p of Object.values(panes)) if (p.data === '' || p.data === dataOptions.value[0]?.ref) p.data = 'gaussian-2d:train';
    } catch (e) {
      datasetsError.value = (e as Error).message;
    } finally {
      creatingData.value = false;
    }
  }

  /** The smoothing fields of a request: sigma only when typed (an emptied number input holds ''), so the engine's default applies otherwise. */
  function smoothingOf(p: PaneState): { smoothing?: number; smoothingDraws: number } {
    return { ...(typeof p.smoothing === 'number' ? { smoothing: p.smoothing } : {}), smoothingDraws: p.smoothingDraws };
  }

  function requestOf(p: PaneState): CallRequest<'sample.start'> {
    const base = { data: p.data, n: p.n, seed: p.seed, ...(p.subset ? { subset: p.subset } : {}) };
    if (p.sampler === 'cifar-kde') return { ...base, sampler: p.sampler, factor: p.factor };
    const score = p.sampler === 'kde' ? 'empirical' : p.score;
    return {
      ...base, sampler: p.sampler, score, ...(score === 'learned' && p.model ? { model: p.model } : {}), ...(score === 'smoothed' ? smoothingOf(p) : {}),
      ...(score === 'local' && typeof p.patch === 'number' ? { patch: p.patch } : {}),
      delta: p.delta, T: p.T, steps: p.steps, grid: p.grid,
    };
  }

  /** Starts a job and follows it in `slot`; the result, or undefined when it failed (slot.error says why). */
  async function follow<K extends JobKind>(slot: JobSlot, start: () => Promise<{ id: string; kind: K }>): Promise<JobResult<K> | undefined> {
    slot.error = null;
    try {
      const started = await start();
      slot.jobId = started.id;
      return await jobs.result(started);
    } catch (e) {
      slot.error = (e as Error).message;
      return undefined;
    } finally {
      slot.jobId = null;
    }
  }

  /** The scores.train request of a pane's train card: the network its data take, and only the numbers typed. */
  function trainRequestOf(p: PaneState, o: DataOption): CallRequest<'scores.train'> {
    const network = networkFor(o);
    const steps = typed(p.train.steps);
    const batch = typed(p.train.batch);
    const subset = typed(p.train.subset) ?? typed(p.subset);
    return {
      data: p.data, model: network, ...(network === 'unet' ? { preset: p.train.preset } : {}),
      ...(steps !== undefined ? { steps } : {}), ...(batch !== undefined ? { batch } : {}), ...(subset !== undefined ? { subset } : {}),
      T: p.T, seed: p.seed,
    };
  }

  /** Trains a network on the pane's data (scores.train), then selects it. */
  async function trainModel(name: PaneName): Promise<void> {
    const p = panes[name];
    const o = optionOf(p.data);
    if (p.training.jobId || !o) return;
    p.lastTraining = null; // the previous curve goes as the new training starts
    const result = await follow(p.training, async () => {
      const started = await client.call('scores.train', trainRequestOf(p, o));
      p.lastTraining = started.id;
      return started;
    });
    if (!result) return;
    await refreshModels();
    p.model = result.run;
  }

  async function run(name: PaneName): Promise<void> {
    const p = panes[name];
    if (p.jobId) return;
    if (!p.sameNoise) p.seed = randomSeed();
    const result = await follow(p, () => client.call('sample.start', requestOf(p)));
    if (result) p.result = result;
  }

  function cancel(name: PaneName): void {
    const id = panes[name].jobId;
    if (id) void jobs.cancel(id);
  }

  function copyAToB(): void {
    const { jobId: _j, result: _r, error: _e, training: _t, lastTraining: _l, train, ...settings } = panes.A;
    Object.assign(panes.B, settings, { train: { ...train } });
  }

  async function runPreset(name: PresetName): Promise<void> {
    const state = presets[name] as PresetState<PresetName>;
    if (state.jobId) return;
    const result = await follow(state, () => {
      const { call, request } = presetRequest(name, presetOptions, cifarDataset.value?.splits['train']?.count ?? null);
      return client.call(call, request as never);
    });
    if (!result) return;
    state.result = result;
    if (name === 'learnedVsEmpirical' || name === 'memorizationVsN') void refreshModels();
  }

  return {
    datasets, datasetsError, dataOptions, cifarDataset, compare, panes, presets, presetOptions, creatingData, models,
    optionOf, modelsFor, refreshDatasets, refreshModels, addPaperGaussian, run, cancel, copyAToB, runPreset, trainModel,
  };
});
