import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { client } from '../client';
import { hashItem, setHashItem } from './nav';
import { useHostList } from '../composables/useHostList';
import { useJobs } from './jobs';
import { filterRows, sortRows, type RunFilter, type RunSort } from './run-table';
import { rerunJobKind, samplingJobKinds, auditJobKind, type RerunResult, type RunComparison, type RunDetail } from '../../../electron/contract';

/** Jobs whose end is a new run folder (the table refreshes then). */
const runJobKinds = new Set<string>([...Object.values(samplingJobKinds), auditJobKind, rerunJobKind]);

/** The workspace's runs as table rows, the one being looked at, the ones picked for comparison, and what can be done to them. */
export const useRuns = defineStore('runs', () => {
  const { list, loaded, error, refresh } = useHostList(async () => (await client.call('runs.table')).runs);
  /** The run named in the URL hash (#/runs/<id>), so reloads and links keep the page. */
  const selectedId = ref<string | null>(hashItem('runs'));
  const detail = ref<RunDetail | null>(null);
  const detailError = ref<string | null>(null);

  const filter = ref<RunFilter>({ text: '', category: 'all', status: 'all' });
  const sort = ref<RunSort>({ key: 'created', descending: true });
  const shown = computed(() => sortRows(filterRows(list.value, filter.value), sort.value));

  /** Runs ticked for comparison, in the order they were ticked. */
  const picked = ref<string[]>([]);
  const comparison = ref<RunComparison | null>(null);
  const comparing = ref(false);
  const compareError = ref<string | null>(null);

  const selected = computed(() => list.value.find((r) => r.id === selectedId.value) ?? null);

  async function open(id: string | null): Promise<void> {
    comparison.value = null;
    selectedId.value = id;
    if (location.hash.startsWith('#/runs')) setHashItem('runs', id);
    detail.value = null;
    detailError.value = null;
    if (!id) return;
    // a run that did not finish has no run folder to show (RunUnfinished shows its row)
    const row = list.value.find((r) => r.id === id);
    if (row && row.status !== 'complete') return;
    try {
      const d = await client.call('runs.show', { id });
      if (selectedId.value === id) detail.value = d;
    } catch (e) {
      if (selectedId.value === id) detailError.value = (e as Error).message;
    }
  }

  function sortBy(key: RunSort['key']): void {
    sort.value = sort.value.key === key ? { key, descending: !sort.value.descending } : { key, descending: key === 'created' };
  }

  function togglePick(id: string): void {
    picked.value = picked.value.includes(id) ? picked.value.filter((x) => x !== id) : [...picked.value, id];
  }

  async function compare(ids: string[] = picked.value): Promise<void> {
    comparing.value = true;
    compareError.value = null;
    try {
      comparison.value = await client.call('runs.compare', { ids });
    } catch (e) {
      compareError.value = (e as Error).message;
    } finally {
      comparing.value = false;
    }
  }

  async function remove(id: string): Promise<void> {
    await client.call('runs.remove', { id });
    picked.value = picked.value.filter((x) => x !== id);
    if (selectedId.value === id) await open(null);
    await refresh();
  }

  async function rename(id: string, name: string | null): Promise<void> {
    await client.call('runs.rename', { id, name });
    await refresh();
  }

  async function tag(id: string, add: string[], remove: string[] = []): Promise<void> {
    await client.call('runs.tag', { id, add, remove });
    await refresh();
  }

  /** Re-runs a run; resolves with the verdict when the job ends (the new run is then in the table). */
  async function rerun(id: string): Promise<RerunResult> {
    const started = await client.call('runs.rerun', { id });
    const result = await useJobs().result(started);
    await refresh();
    return result;
  }

  async function reveal(id: string): Promise<boolean> {
    return (await client.call('runs.reveal', { id })).revealed;
  }

  // A finished run job is a new run: keep the table current.
  client.onEvent((e) => {
    if (e.type === 'done' && runJobKinds.has(e.kind)) void refresh();
  });

  return {
    list, loaded, error, selectedId, selected, detail, detailError, filter, sort, shown, picked, comparison, comparing, compareError,
    refresh, open, sortBy, togglePick, compare, remove, rename, tag, rerun, reveal,
  };
});
