/**
 * Records the jobs that should have left a run but failed or were cancelled (workspace/run-outcomes.ts),
 * so the Runs table lists them with status failed / cancelled. The service tells it what each job
 * was started with; it keeps only the jobs still running.
 */
import { auditJobKind, experiments, experimentKeys, rerunJobKind, runKinds, samplingJobKinds, type JobEvent } from '../contract';
import { recordRunOutcome } from '../workspace/run-outcomes';

/** Run kind by job kind, for jobs that write a run folder. */
const runKindOfJob: Record<string, string> = {
  [samplingJobKinds.sample]: runKinds.sample,
  [samplingJobKinds.trainScore]: runKinds.trainScore,
  [auditJobKind]: runKinds.audit,
  ...Object.fromEntries(experimentKeys.map((k) => [experiments[k].call, experiments[k].runKind])),
};

interface Started {
  kind: string;
  title: string;
  params: Record<string, unknown>;
}

export class JobOutcomes {
  private readonly started = new Map<string, Started>();
  private pending: Promise<unknown>[] = [];

  constructor(private readonly workspace: string) {}

  /** A job was submitted (only run-writing kinds are kept). */
  track(id: string, jobKind: string, title: string, params: unknown): void {
    const p = { ...(params as Record<string, unknown>) };
    delete p['workspace'];
    // a re-run that fails is recorded as the kind it repeats
    const kind = jobKind === rerunJobKind ? runKindOfJob[String(p['kind'])] : runKindOfJob[jobKind];
    if (kind) this.started.set(id, { kind, title, params: jobKind === rerunJobKind ? { rerunOf: p['of'], ...(p['request'] as object) } : p });
  }

  onEvent(e: JobEvent): void {
    if (e.type !== 'done' && e.type !== 'failed' && e.type !== 'cancelled') return;
    const s = this.started.get(e.id);
    this.started.delete(e.id);
    // done, or input refused before any run was attempted (a bad file or parameter): no row
    if (!s || e.type === 'done' || (e.type === 'failed' && e.refused)) return;
    const write = recordRunOutcome(this.workspace, { ...s, status: e.type, error: e.type === 'failed' ? e.error : null }).catch(() => undefined);
    this.pending.push(write);
  }

  /** Waits for the records being written (the CLI exits right after a job ends). */
  async flush(): Promise<void> {
    const now = this.pending;
    this.pending = [];
    await Promise.all(now);
  }
}
