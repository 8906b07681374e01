/**
 * The API contract: every call's request and response schema, validated at the door by every
 * host (Electron IPC, browser host, CLI). One table; hosts only route.
 */
import { z } from 'zod';
import { JobId, JobInfo, JobState } from './jobs';
import { ApiError } from './errors';
import { datasetCalls } from './datasets';
import { samplingCalls } from './sampling';
import { auditCalls } from './audit';
import { runCalls } from './runs';

export * from './jobs';
export * from './datasets';
export * from './read-limits';
export * from './sampling';
export * from './training';
export * from './memorization-vs-n';
export * from './nearest-summary';
export * from './fields';
export * from './audit';
export * from './runs';
export * from './number-list';
export * from './experiments';
export * from './run-kinds';
export * from './presets';
export * from './job-results';
export * from './errors';

export const BackendStatus = z.object({
  name: z.enum(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']),
  tfBackend: z.string(),
  reason: z.string(),
  skipped: z.array(z.object({ name: z.string(), why: z.string() })),
  device: z.string(),
  /** The WebGPU adapter on the webgpu backend; `software` for a CPU implementation such as lavapipe. */
  adapter: z.object({ vendor: z.string(), architecture: z.string(), device: z.string(), description: z.string(), software: z.boolean() }).optional(),
  kernels: z.object({ available: z.boolean(), kernel: z.string(), threads: z.number(), why: z.string().optional() }),
});

export const Status = z.object({
  app: z.object({ name: z.string(), version: z.string() }),
  backend: BackendStatus,
  workspace: z.string(),
  host: z.enum(['electron', 'web', 'cli']),
  runtime: z.object({ node: z.string(), electron: z.string().nullable(), platform: z.string(), cpus: z.number() }),
});
export type Status = z.infer<typeof Status>;

export const Empty = z.object({}).strict().default({});

/** Calls of the shell itself; each feature adds its own table in its own module. */
export const coreCalls = {
  status: { request: Empty, response: Status },
  'jobs.list': { request: Empty, response: z.object({ jobs: z.array(JobInfo) }) },
  'jobs.cancel': { request: z.object({ id: JobId }).strict(), response: z.object({ id: JobId, state: JobState }) },
  /** `result` (null until done) is read with jobResult(kind, result). */
  'jobs.result': { request: z.object({ id: JobId }).strict(), response: z.object({ id: JobId, kind: z.string(), state: JobState, result: z.unknown() }) },
} as const;

export const calls = {
  ...coreCalls,
  ...datasetCalls,
  ...samplingCalls,
  ...auditCalls,
  ...runCalls,
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallRequest<N extends CallName> = z.input<Calls[N]['request']>;
export type CallResponse<N extends CallName> = z.output<Calls[N]['response']>;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}


/** Validate a request; the message names each offending field. */
export function parseRequest<N extends CallName>(name: N, raw: unknown): z.output<Calls[N]['request']> {
  const result = calls[name].request.safeParse(raw ?? {});
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(request)'}: ${i.message}`)
      .join('; ');
    throw new ApiError('bad-request', `${name}: invalid request: ${detail}`);
  }
  return result.data as z.output<Calls[N]['request']>;
}

/** Events and the client interface the renderer programs against, whatever the transport. */
export interface ScoreScopeClient {
  call<N extends CallName>(name: N, request?: CallRequest<N>): Promise<CallResponse<N>>;
  onEvent(listener: (event: import('./jobs').JobEvent) => void): () => void;
}

export { ipcChannels } from './channels';
