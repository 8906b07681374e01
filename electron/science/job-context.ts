/**
 * What a long computation sees of the job system: report progress, honour cancellation.
 * Engine functions take a JobContext (or nothing) and stay free of hosts and transports.
 */
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

/** Live numbers of a job's latest step, by name. */
export type ProgressFigures = Record<string, number>;

export interface JobContext {
  /**
   * fraction in [0, 1]; the host derives the ETA from successive calls. `figures`: live numbers
   * of the step just done (a training's step, loss, smoothedLoss, itemsPerSecond), which clients
   * collect into live charts.
   */
  progress(fraction: number, message?: string, figures?: ProgressFigures): void;
  /** Throws JobCancelled once cancellation was asked for; call it between steps. */
  throwIfCancelled(): void;
  /** Aborted when the job is cancelled; for streaming I/O (fetch, streams). */
  readonly signal: AbortSignal;
}

/** A context for direct calls (tests, scripts): no progress, never cancelled. */
export function detachedContext(onProgress?: (fraction: number, message?: string, figures?: ProgressFigures) => void): JobContext {
  const controller = new AbortController();
  return {
    progress: (f, m, figures) => onProgress?.(f, m, figures),
    throwIfCancelled: () => {
      if (controller.signal.aborted) throw new JobCancelled();
    },
    signal: controller.signal,
  };
}

/**
 * A stage's context: its progress 0..1 maps onto [from, to] of the parent job (messages default
 * to `label`); cancellation passes through. Undefined without a parent.
 */
export function stageContext(ctx: JobContext | undefined, from: number, to: number, label?: string): JobContext | undefined {
  if (!ctx) return undefined;
  return {
    progress: (f, message, figures) => ctx.progress(from + (to - from) * Math.min(1, Math.max(0, f)), message ?? label, figures),
    throwIfCancelled: () => ctx.throwIfCancelled(),
    signal: ctx.signal,
  };
}
