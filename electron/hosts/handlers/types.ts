/** What a feature's call handlers get from the service, and the shape of a handler table. */
import type { z } from 'zod';
import type { Calls, CallName, CallResponse, JobKind } from '../../contract';
import type { JobQueue } from '../job-queue';

export interface HandlerContext {
  workspace: string;
  jobs: JobQueue;
  /** Queue an engine task (electron/jobs/tasks) and answer with its id. */
  startJob<K extends JobKind>(kind: K, title: string, params: unknown): { id: string; kind: K };
  /** Shows a folder in the OS file manager; only the desktop app has one. */
  revealFolder?: (dir: string) => void;
}

export type Handler<N extends CallName> = (
  request: z.output<Calls[N]['request']>,
  ctx: HandlerContext,
) => Promise<CallResponse<N>>;

/** A feature's handlers: exactly the calls of its contract table. */
export type HandlerTable<T> = { [N in keyof T & CallName]: Handler<N> };
