import { defineStore } from 'pinia';
import { ref } from 'vue';
import { client } from '../client';
import type { Status } from '../../../electron/contract';

/** App status: backend in use and why, workspace. */
export const useStatus = defineStore('status', () => {
  const status = ref<Status | null>(null);
  const error = ref<string | null>(null);
  async function refresh() {
    try {
      status.value = await client.call('status');
      error.value = null;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }
  return { status, error, refresh };
});
