import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { client } from '../client';
import { hashItem, setHashItem } from './nav';
import { useHostList } from '../composables/useHostList';
import { samplingJobKinds, type RunDetail } from '../../../electron/contract';

const runJobKinds = new Set<string>(Object.values(samplingJobKinds));

/** The workspace's runs, the one being looked at, and removal. */
export const useRuns = defineStore('runs', () => {
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
    if (e.type === 'done' && runJobKinds.has(e.kind)) void refresh();
  });

  return { list, loaded, error, selectedId, selected, detail, detailError, refresh, open, remove };
});
