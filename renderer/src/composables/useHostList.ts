import { ref, type Ref } from 'vue';

/**
 * A list read from the host (datasets, runs): the last good copy, whether a read has finished
 * (so views can tell "none yet" from "not asked yet"), and the last read's error.
 */
export function useHostList<T>(read: () => Promise<T[]>) {
  const list = ref([]) as Ref<T[]>;
  const loaded = ref(false);
  const error = ref<string | null>(null);

  async function refresh(): Promise<void> {
    try {
      list.value = await read();
      error.value = null;
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      loaded.value = true;
    }
  }

  return { list, loaded, error, refresh };
}
