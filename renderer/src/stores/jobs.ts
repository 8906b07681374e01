import { defineStore } from 'pinia';
import { computed, ref, shallowReactive } from 'vue';
import { client } from '../client';
import { jobResult, type JobEvent, type JobInfo, type JobKind, type JobResult } from '../../../electron/contract';
import { appendFigures, type FigurePoint } from './figure-series';

type Waiter = { resolve: (result: unknown) => void; reject: (e: Error) => void };

/** Jobs whose figure series are kept (the oldest goes first). */
const FIGURE_SERIES_KEPT = 16;

/** Every job the host knows, kept current from its event stream. */
export const useJobs = defineStore('jobs', () => {
  const jobs = ref<Record<string, JobInfo>>({});
  const results = new Map<string, unknown>();
  const waiters = new Map<string, Waiter[]>();
  const list = computed(() => Object.values(jobs.value).sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
  const active = computed(() => list.value.filter((j) => j.state === 'queued' || j.state === 'running'));
  /**
   * Every progress event's figures by job id, in order (a live chart's points). Shallow: each
   * append replaces the job's array, so charts update without deep proxies over thousands of points.
   */
  const figureSeries = shallowReactive<Record<string, readonly FigurePoint[]>>({});

  function recordFigures(id: string, figures: FigurePoint) {
    if (!(id in figureSeries)) {
      const ids = Object.keys(figureSeries);
      for (const old of ids.slice(0, Math.max(0, ids.length - FIGURE_SERIES_KEPT + 1))) delete figureSeries[old];
    }
    figureSeries[id] = appendFigures(figureSeries[id] ?? [], figures);
  }

  function settle(id: string, fn: (w: Waiter) => void) {
    for (const w of waiters.get(id) ?? []) fn(w);
    waiters.delete(id);
  }

  function apply(e: JobEvent) {
    if (e.type === 'queued') {
      jobs.value[e.job.id] = e.job;
      return;
    }
    // before the job lookup: a chart keeps every point even if the job's record arrives late
    if (e.type === 'progress' && e.figures) recordFigures(e.id, e.figures);
    const job = jobs.value[e.id];
    if (!job) return void refresh();
    if (e.type === 'progress') {
      Object.assign(job, { state: 'running', fraction: e.fraction, message: e.message, etaSeconds: e.etaSeconds, ...(e.figures ? { figures: e.figures } : {}) });
    } else if (e.type === 'done') {
      Object.assign(job, { state: 'done', fraction: 1, message: 'done', etaSeconds: null });
      results.set(e.id, e.result);
      settle(e.id, (w) => w.resolve(e.result));
    } else if (e.type === 'failed') {
      Object.assign(job, { state: 'failed', error: e.error, message: 'failed', etaSeconds: null });
      settle(e.id, (w) => w.reject(new Error(e.error)));
    } else {
      Object.assign(job, { state: 'cancelled', message: 'cancelled', etaSeconds: null });
      settle(e.id, (w) => w.reject(new Error('cancelled')));
    }
  }

  async function refresh() {
    const r = await client.call('jobs.list');
    const next: Record<string, JobInfo> = {};
    for (const j of r.jobs) {
      next[j.id] = j;
      // a page opened mid-training starts its curve at the job's latest figures
      if (j.figures && j.state === 'running' && !(j.id in figureSeries)) recordFigures(j.id, j.figures);
    }
    jobs.value = next;
  }

  /**
   * The job's result once it is done (rejects when it fails or is cancelled), read by its kind's
   * schema in the contract: the one place the renderer turns a job's raw result into its type.
   */
  async function result<K extends JobKind>(started: { id: string; kind: K }): Promise<JobResult<K>> {
    return jobResult(started.kind, await settled(started.id));
  }

  function settled(id: string): Promise<unknown> {
    if (results.has(id)) return Promise.resolve(results.get(id));
    const j = jobs.value[id];
    if (j && (j.state === 'failed' || j.state === 'cancelled')) return Promise.reject(new Error(j.error ?? j.state));
    return new Promise((resolve, reject) => {
      waiters.set(id, [...(waiters.get(id) ?? []), { resolve, reject }]);
      // The job may have finished before we subscribed: ask the host once.
      void client.call('jobs.result', { id }).then((r) => {
        if (r.state === 'done') settle(id, (w) => w.resolve(r.result));
      }).catch(() => undefined);
    });
  }

  const cancel = (id: string) => client.call('jobs.cancel', { id });

  client.onEvent(apply);
  void refresh().catch(() => undefined);
  return { jobs, list, active, figureSeries, result, cancel, refresh };
});
