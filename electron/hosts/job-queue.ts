/**
 * The job queue every host shares: jobs run one at a time in the engine worker, in order.
 * Cancel takes effect within one step (a shared flag the engine reads between steps); a queued
 * job is dropped at once. Progress gets an ETA from the observed rate.
 */
import type { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import type { BackendInfo, BackendName } from '../science/backend';
import type { FromWorker, ToWorker } from '../jobs/worker-protocol';
import { checkJobResult, type JobEvent, type JobInfo } from '../contract';
import { startEngineThread } from './engine-thread';

interface Entry {
  info: JobInfo;
  params: unknown;
  cancelFlag: SharedArrayBuffer;
  result: unknown;
  startedMs: number;
}

const KEEP_FINISHED = 100;

export class JobQueue {
  private readonly worker: Worker;
  private readonly jobs = new Map<string, Entry>();
  private readonly order: string[] = [];
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private running: string | null = null;
  private readonly ready: Promise<BackendInfo>;
  private closed = false;

  constructor(backend?: BackendName) {
    this.worker = startEngineThread();
    this.ready = new Promise<BackendInfo>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'ready') resolve(m.backend);
        else if (m.type === 'init-failed') reject(new Error(m.error));
        else this.onWorkerMessage(m);
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', (e) => {
        reject(e);
        this.failAll(`the engine stopped: ${e.message}`);
      });
      this.worker.on('exit', (code) => {
        if (!this.closed) this.failAll(`the engine exited unexpectedly (code ${code})`);
      });
    });
    this.ready.catch(() => undefined); // surfaced through backend() and submit()
    this.post({ type: 'init', backend });
  }

  /** The backend the engine chose (waits for its initialisation). */
  backend(): Promise<BackendInfo> {
    return this.ready;
  }

  onEvent(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  submit(kind: string, title: string, params: unknown): JobInfo {
    if (this.closed) throw new Error('the job queue is closed');
    const id = randomUUID();
    const info: JobInfo = {
      id, kind, title, state: 'queued', fraction: 0, message: 'queued', etaSeconds: null,
      createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, error: null,
    };
    this.jobs.set(id, { info, params, cancelFlag: new SharedArrayBuffer(4), result: undefined, startedMs: 0 });
    this.order.push(id);
    this.emit({ type: 'queued', job: { ...info } });
    void this.pump();
    return { ...info };
  }

  list(): JobInfo[] {
    return this.order.map((id) => ({ ...this.jobs.get(id)!.info }));
  }

  get(id: string): { info: JobInfo; result: unknown } | undefined {
    const e = this.jobs.get(id);
    return e && { info: { ...e.info }, result: e.result };
  }

  cancel(id: string): JobInfo | undefined {
    const e = this.jobs.get(id);
    if (!e) return undefined;
    if (e.info.state === 'queued') {
      this.finish(e, 'cancelled');
      this.emit({ type: 'cancelled', id });
    } else if (e.info.state === 'running') {
      Atomics.store(new Int32Array(e.cancelFlag), 0, 1);
      this.post({ type: 'cancel', id });
    }
    return { ...e.info };
  }

  /** Resolves when the job ends, with its final record. */
  wait(id: string): Promise<{ info: JobInfo; result: unknown }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.get(id);
        if (!e) return reject(new Error(`no job ${id}`));
        if (!['queued', 'running'].includes(e.info.state)) {
          off();
          resolve(e);
        }
      };
      const off = this.onEvent((ev) => {
        if (('id' in ev && ev.id === id) || ev.type === 'queued') check();
      });
      check();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.jobs.values()) if (e.info.state === 'running') Atomics.store(new Int32Array(e.cancelFlag), 0, 1);
    await this.worker.terminate();
  }

  private post(m: ToWorker) {
    this.worker.postMessage(m);
  }

  private emit(e: JobEvent) {
    for (const l of this.listeners) l(e);
  }

  private async pump() {
    if (this.running) return;
    const next = this.order.map((id) => this.jobs.get(id)!).find((e) => e.info.state === 'queued');
    if (!next) return;
    try {
      await this.ready;
    } catch (e) {
      this.failAll(`the engine could not start: ${(e as Error).message}`);
      return;
    }
    if (this.running || next.info.state !== 'queued') return void this.pump();
    this.running = next.info.id;
    next.info.state = 'running';
    next.info.startedAt = new Date().toISOString();
    next.info.message = 'starting';
    next.startedMs = performance.now();
    this.emit({ type: 'progress', id: next.info.id, fraction: 0, message: 'starting', etaSeconds: null });
    this.post({ type: 'run', id: next.info.id, kind: next.info.kind, params: next.params, cancelFlag: next.cancelFlag });
  }

  private onWorkerMessage(m: FromWorker) {
    if (m.type === 'ready' || m.type === 'init-failed') return;
    const e = this.jobs.get(m.id);
    if (!e) return;
    switch (m.type) {
      case 'progress': {
        const elapsed = (performance.now() - e.startedMs) / 1000;
        e.info.fraction = m.fraction;
        e.info.message = m.message;
        e.info.etaSeconds = m.fraction > 0.005 && elapsed > 0.2 ? (elapsed * (1 - m.fraction)) / m.fraction : null;
        if (m.figures) e.info.figures = m.figures;
        this.emit({ type: 'progress', id: m.id, fraction: m.fraction, message: m.message, etaSeconds: e.info.etaSeconds, ...(m.figures ? { figures: m.figures } : {}) });
        return;
      }
      case 'done': {
        // Every result is checked against its kind's schema once, here: clients trust its type.
        const checked = checkJobResult(e.info.kind, m.result);
        if (!checked.ok) {
          e.info.error = checked.error;
          this.finish(e, 'failed');
          this.emit({ type: 'failed', id: m.id, error: checked.error });
          break;
        }
        e.result = m.result;
        e.info.fraction = 1;
        this.finish(e, 'done');
        this.emit({ type: 'done', id: m.id, kind: e.info.kind, result: m.result });
        break;
      }
      case 'failed':
        e.info.error = m.error;
        this.finish(e, 'failed');
        this.emit({ type: 'failed', id: m.id, error: m.error, refused: m.refused });
        break;
      case 'cancelled':
        this.finish(e, 'cancelled');
        this.emit({ type: 'cancelled', id: m.id });
        break;
    }
    if (this.running === m.id) this.running = null;
    void this.pump();
  }

  private finish(e: Entry, state: JobInfo['state']) {
    e.info.state = state;
    e.info.finishedAt = new Date().toISOString();
    e.info.etaSeconds = null;
    e.info.message = state;
    this.prune();
  }

  private failAll(error: string) {
    for (const e of this.jobs.values()) {
      if (e.info.state === 'queued' || e.info.state === 'running') {
        e.info.error = error;
        this.finish(e, 'failed');
        this.emit({ type: 'failed', id: e.info.id, error });
      }
    }
    this.running = null;
  }

  /** Forget the oldest finished jobs so a long session does not grow without bound. */
  private prune() {
    const finished = this.order.filter((id) => !['queued', 'running'].includes(this.jobs.get(id)!.info.state));
    for (const id of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.jobs.delete(id);
      this.order.splice(this.order.indexOf(id), 1);
    }
  }
}
