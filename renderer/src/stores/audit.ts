import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { client } from '../client';
import { useJobs } from './jobs';
import { hashItem, setHashItem } from './nav';
import {
  savedThresholdSummary, type AuditDetail, type AuditListItem, type AuditSummary, type AuditThresholdSummary, type CallRequest,
} from '../../../electron/contract';

/**
 * Audits: the saved ones, the one being looked at, its threshold (d1/d2 below it = memorised),
 * and the job that makes a new one. Flags at a new threshold are a comparison done here; the
 * memorised fraction's interval at that threshold is asked of the host (audit.summary).
 */
export const useAudit = defineStore('audit', () => {
  const jobs = useJobs();
  const list = ref<AuditListItem[]>([]);
  const current = shallowRef<AuditDetail | null>(null);
  /** The audit named in the URL hash (#/audit/<id>), so reloads and links keep it open. */
  const selected = ref<string | null>(hashItem('audit'));
  const loading = ref(false);
  const error = ref<string | null>(null);
  const threshold = ref(1 / 3);
  const summary = ref<AuditThresholdSummary | null>(null);
  const summaryPending = ref(false);
  const runningJob = ref<string | null>(null);

  const progress = computed(() => {
    const j = runningJob.value ? jobs.jobs[runningJob.value] : undefined;
    return j ? { fraction: j.fraction, message: j.message, state: j.state, eta: j.etaSeconds } : null;
  });

  /** 1 where the sample's d1/d2 is below the threshold. */
  const flags = computed(() => {
    const d = current.value;
    if (!d) return new Uint8Array(0);
    const t = threshold.value;
    return Uint8Array.from(d.columns.ratio, (r) => (r < t ? 1 : 0));
  });
  const memorisedCount = computed(() => flags.value.reduce((a, b) => a + b, 0));

  async function refresh(): Promise<void> {
    try {
      list.value = (await client.call('audit.list')).audits;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  async function open(id: string): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const d = await client.call('audit.show', { id });
      current.value = d;
      selected.value = id;
      threshold.value = d.metrics.threshold;
      summary.value = null;
      setHashItem('audit', id);
    } catch (e) {
      error.value = (e as Error).message;
      selected.value = null;
      setHashItem('audit', null);
    } finally {
      loading.value = false;
    }
  }

  function close(): void {
    current.value = null;
    selected.value = null;
    summary.value = null;
    setHashItem('audit', null);
    void refresh();
  }

  /** Starts an audit job; opens the audit when it is done (rejects with the job's error). */
  async function start(request: CallRequest<'audit.start'>): Promise<void> {
    error.value = null;
    const started = await client.call('audit.start', request);
    runningJob.value = started.id;
    try {
      const result = await jobs.result(started);
      await refresh();
      await open(result.run);
    } finally {
      if (runningJob.value === started.id) runningJob.value = null;
    }
  }

  async function cancel(): Promise<void> {
    if (runningJob.value) await jobs.cancel(runningJob.value);
  }

  // The interval at a moved threshold: one quick call, debounced while a slider moves.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  watch(threshold, (t) => {
    const d = current.value;
    if (!d) return;
    clearTimeout(timer);
    if (t === d.metrics.threshold) {
      summary.value = null;
      summaryPending.value = false;
      return;
    }
    summaryPending.value = true;
    timer = setTimeout(() => {
      const ticket = ++asked;
      client.call('audit.summary', { id: d.id, threshold: t }).then(
        (s) => {
          if (ticket === asked && current.value?.id === d.id) {
            summary.value = s;
            summaryPending.value = false;
          }
        },
        (e: Error) => {
          if (ticket === asked) {
            error.value = e.message;
            summaryPending.value = false;
          }
        },
      );
    }, 150);
  });

  /** Memorised fraction, interval and per-class rows at the current threshold. */
  const atThreshold = computed<AuditThresholdSummary | null>(() => {
    const d = current.value;
    if (!d) return null;
    if (summary.value && summary.value.threshold === threshold.value) return summary.value;
    if (threshold.value === d.metrics.threshold) return savedThresholdSummary(d.metrics);
    return null;
  });

  if (selected.value) void open(selected.value);

  return {
    list, current, selected, loading, error, threshold, summaryPending, atThreshold, runningJob, progress,
    flags, memorisedCount, refresh, open, close, start, cancel,
  };
});
