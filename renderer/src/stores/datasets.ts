import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { client } from '../client';
import { useJobs } from './jobs';
import { hashItem, setHashItem } from './nav';
import { useHostList } from '../composables/useHostList';
import type {
  CallRequest, DatasetImportResult, DatasetInfo, JobResult,
} from '../../../electron/contract';

type JobCall = 'datasets.probe' | 'datasets.import' | 'datasets.synth' | 'datasets.download';

/** The workspace's datasets, the one being looked at, and the jobs that add to them. */
export const useDatasets = defineStore('datasets', () => {
  const jobs = useJobs();
  const { list, loaded, error, refresh } = useHostList(async () => (await client.call('datasets.list')).datasets);
  /** The dataset named in the URL hash (#/datasets/<name>), so reloads and links keep the page. */
  const selected = ref<string | null>(hashItem('datasets'));
  /** Job ids this page started, by call, so the view can show their progress. */
  const running = ref<Partial<Record<JobCall, string>>>({});
  const labelCache = new Map<string, Promise<number[] | null>>();

  const current = computed(() => list.value.find((d) => d.name === selected.value) ?? null);

  function select(name: string | null): void {
    selected.value = name;
    setHashItem('datasets', name);
  }

  /** Starts a job call and resolves with its result (rejects with the job's error message). */
  async function runJob<C extends JobCall>(call: C, request: CallRequest<C>): Promise<JobResult<C>> {
    const started = await client.call(call, request);
    running.value = { ...running.value, [call]: started.id };
    try {
      // these calls start jobs of their own name (contract/datasets.ts)
      return await jobs.result({ id: started.id, kind: call });
    } finally {
      if (running.value[call] === started.id) {
        const { [call]: _, ...rest } = running.value;
        running.value = rest;
      }
    }
  }

  /** Progress of this page's job of a kind, for inline bars (the tray shows every job). */
  function progressOf(call: JobCall): { fraction: number; message: string } | null {
    const id = running.value[call];
    const j = id ? jobs.jobs[id] : undefined;
    return j ? { fraction: j.fraction, message: j.message } : null;
  }

  const probe = (request: CallRequest<'datasets.probe'>) => runJob('datasets.probe', request);

  async function addWith<C extends 'datasets.import' | 'datasets.synth' | 'datasets.download'>(call: C, request: CallRequest<C>): Promise<DatasetImportResult> {
    const result = await runJob(call, request);
    labelCache.clear();
    await refresh();
    return result;
  }
  const importPath = (request: CallRequest<'datasets.import'>) => addWith('datasets.import', request);
  const synth = (request: CallRequest<'datasets.synth'>) => addWith('datasets.synth', request);
  const download = (request: CallRequest<'datasets.download'>) => addWith('datasets.download', request);

  async function remove(name: string): Promise<void> {
    await client.call('datasets.remove', { name });
    labelCache.clear();
    if (selected.value === name) select(null);
    await refresh();
  }

  async function rename(from: string, to: string): Promise<DatasetInfo> {
    const d = await client.call('datasets.rename', { from, to });
    labelCache.clear();
    await refresh();
    if (selected.value === from) select(d.name);
    return d;
  }

  /** Labels of a split (cached until the list changes). */
  function labels(name: string, split: string): Promise<number[] | null> {
    const key = `${name}\0${split}`;
    let p = labelCache.get(key);
    if (!p) {
      p = client.call('datasets.labels', { name, split }).then((r) => r.labels);
      p.catch(() => labelCache.delete(key));
      labelCache.set(key, p);
    }
    return p;
  }

  const points = (name: string, split: string) => client.call('datasets.points', { name, split });

  return { list, loaded, error, selected, current, running, refresh, select, progressOf, probe, importPath, synth, download, remove, rename, labels, points };
});

/** 1.2 KB, 3.5 MB, 1.07 GB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GB`;
}

/** "32 × 32 × 3" for images, "2-D" for vectors. */
export function shapeText(d: DatasetInfo): string {
  const s = Object.values(d.splits)[0];
  if (!s) return '';
  return d.kind === 'images' ? s.shape.join(' × ') : `${s.shape[0]}-D`;
}
