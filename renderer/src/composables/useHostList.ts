import { ref, type Ref } from 'vue';

/**
 * A list read from the host (datasets, runs): the last good copy, whether a read has finished
 * (so views can tell "none yet" from "not asked yet"), and the last read's error.
 */
export function useHostList<T>(read: () => Promise<T[]>) {
  const list = ref([]) as Ref<T[]>;
  const loaded = ref(false);
  const error = ref<string | null>(null);
  // Reads can overlap (a view opening while a finished job refreshes); only the newest may land,
  // or a slow older answer would put a stale list back.
  let latest = 0;

  async function refresh(): Promise<void> {
    const mine = ++latest;
    try {
      const next = await read();
      if (mine !== latest) return;
      list.value = next;
      error.value = null;
    } catch (e) {
      if (mine === latest) error.value = (e as Error).message;
    } finally {
      if (mine === latest) loaded.value = true;
    }
  }

  return { list, loaded, error, refresh };
}
