import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { client } from '../client';
import { useJobs } from './jobs';
import { hashItem, setHashItem } from './nav';
import { useHostList } from '../composables/useHostList';
import { samplingJobKinds, type RunDetail } from '../../../electron/contract';

export interface Headline {
  label: string;
  value: string;
}

const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const num = (v: unknown, digits = 3) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '–');
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** Two scores from the same noise: memorised fraction and median NN distance of each ([key, label] pairs). */
function comparisonHeadline(summary: Record<string, unknown>, scores: [string, string][]): Headline[] {
  const m = rec(summary['memorisedFraction']);
  const d = rec(summary['medianNearestDistance']);
  return [
    ...scores.map(([key, label]) => ({ label: `memorised (${label})`, value: pct(m[key]) })),
    ...scores.map(([key, label]) => ({ label: `median NN (${label})`, value: num(d[key]) })),
  ];
}

/** The few numbers that say what a run found, by kind (display only: the engine computed them). */
export function headlineOf(kind: string, summary: Record<string, unknown>): Headline[] {
  switch (kind) {
    case 'experiment:gaussian2d':
      return comparisonHeadline(summary, [['empirical', 's_N'], ['gaussian', 'Gaussian']]);
    case 'experiment:score-error':
      return [
        { label: 'fitted slope', value: num(summary['slope']) },
        { label: `error at N = ${num(rec(summary['errorAtSmallestN'])['N'])}`, value: num(rec(summary['errorAtSmallestN'])['error']) },
        { label: `error at N = ${num(rec(summary['errorAtLargestN'])['N'])}`, value: num(rec(summary['errorAtLargestN'])['error']) },
      ];
    case 'experiment:delta-sweep': {
      const byDelta = Object.entries(rec(summary['memorisedFractionByDelta']));
      const first = byDelta[0];
      const last = byDelta.at(-1);
      const information = rec(summary['mutualInformationByDelta']);
      return first && last
        ? [
            { label: `memorised at δ = ${first[0]}`, value: pct(first[1]) },
            { label: `memorised at δ = ${last[0]}`, value: pct(last[1]) },
            ...(last[0] in information
              ? [{ label: `MI at δ = ${last[0]} (nats; log N = ${num(summary['logN'])})`, value: num(information[last[0]]) }]
              : []),
          ]
        : [];
    }
    case 'train-score':
      return [
        { label: 'final loss (EMA)', value: num(summary['finalLoss'], 4) },
        { label: 'steps', value: num(summary['steps'], 6) },
        { label: 'seconds', value: num(summary['seconds']) },
        { label: 'parameters', value: num(summary['parameters'], 7) },
      ];
    case 'experiment:learned-vs-empirical':
      return comparisonHeadline(summary, [['learned', 'learned'], ['empirical', 's_N']]);
    default:
      return [
        { label: 'memorised', value: pct(summary['memorisedFraction']) },
        { label: 'median NN distance', value: num(summary['medianNearestDistance']) },
        ...(typeof summary['distinctNearest'] === 'number' ? [{ label: 'distinct nearest', value: String(summary['distinctNearest']) }] : []),
      ];
  }
}

export const kindLabels: Record<string, string> = {
  sample: 'Sample',
  'experiment:gaussian2d': '2-D Gaussian',
  'experiment:score-error': 'Score error vs N',
  'experiment:delta-sweep': 'Delta sweep',
  'experiment:cifar10': 'CIFAR-10',
  'experiment:learned-vs-empirical': 'Learned vs empirical',
  'train-score': 'Score network',
};

const runJobKinds = new Set<string>(Object.values(samplingJobKinds));

/** The workspace's runs, the one being looked at, and removal. */
export const useRuns = defineStore('runs', () => {
  const jobs = useJobs();
  const { list, loaded, error, refresh } = useHostList(async () => (await client.call('runs.list')).runs);
  /** The run named in the URL hash (#/runs/<id>), so reloads and links keep the page. */
  const selectedId = ref<string | null>(hashItem('runs'));
  const detail = ref<RunDetail | null>(null);
  const detailError = ref<string | null>(null);

  const selected = computed(() => list.value.find((r) => r.id === selectedId.value) ?? null);

  async function open(id: string | null): Promise<void> {
    selectedId.value = id;
    if (location.hash.startsWith('#/runs')) setHashItem('runs', id);
    detail.value = null;
    detailError.value = null;
    if (!id) return;
    try {
      const d = await client.call('runs.show', { id });
      if (selectedId.value === id) detail.value = d;
    } catch (e) {
      if (selectedId.value === id) detailError.value = (e as Error).message;
    }
  }

  async function remove(id: string): Promise<void> {
    await client.call('runs.remove', { id });
    if (selectedId.value === id) await open(null);
    await refresh();
  }

  // A finished sampling job is a new run: keep the list current.
  client.onEvent((e) => {
    if (e.type === 'done' && runJobKinds.has(jobs.jobs[e.id]?.kind ?? '')) void refresh();
  });

  return { list, loaded, error, selectedId, selected, detail, detailError, refresh, open, remove };
});
