/**
 * The API behind every host: validates each request against the contract, answers it, and
 * streams job events. Electron IPC, the browser host and the CLI all call `service.call`.
 */
import { mkdirSync } from 'node:fs';
import { sweepDebris } from '../workspace/atomic';
import { datasetsDir } from '../workspace/datasets';
import { downloadsDir } from '../workspace/datasets-download';
import { runsDirectory } from '../workspace/runs';
import { checkpointsDirectory } from '../workspace/training-checkpoints';
import { uploadsDirectory } from './uploads';
import { cpus } from 'node:os';
import {
  ApiError, calls, isCallName, parseRequest,
  type CallName, type CallResponse, type Calls, type JobEvent, type JobKind, type Status,
} from '../contract';
import type { BackendName } from '../science/backend';
import { JobQueue } from './job-queue';
import { toApiError } from './api-errors';
import pkg from '../../package.json';
import type { HandlerContext, HandlerTable } from './handlers/types';
import { datasetHandlers } from './handlers/datasets';
import { samplingHandlers } from './handlers/sampling';
import { auditHandlers } from './handlers/audit';
import { runHandlers } from './handlers/runs';
import { JobOutcomes } from './job-outcomes';

export interface ServiceOptions {
  workspace: string;
  backend?: BackendName;
  host: Status['host'];
  /** The desktop app's file manager (Electron shell.showItemInFolder), for runs.reveal. */
  revealFolder?: (dir: string) => void;
}

type Handlers = HandlerTable<Calls>;

export interface Service {
  /** Every error it rejects with is an ApiError (hosts/api-errors.ts maps the rest by class). */
  call<N extends CallName>(name: N, request?: unknown): Promise<CallResponse<N>>;
  /** Untyped entry for transports: unknown names and bad requests become ApiErrors. */
  callUnknown(name: unknown, request: unknown): Promise<unknown>;
  onEvent(listener: (e: JobEvent) => void): () => void;
  readonly jobs: JobQueue;
  readonly options: ServiceOptions;
  close(): Promise<void>;
}

/** Every folder a host or job writes temporary entries into (uploads keep their relative paths). */
async function sweepWorkspaceDebris(ws: string): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of [datasetsDir(ws), runsDirectory(ws), downloadsDir(ws)]) removed.push(...(await sweepDebris(dir)));
  removed.push(...(await sweepDebris(checkpointsDirectory(ws), 1)));
  removed.push(...(await sweepDebris(uploadsDirectory(ws), 16)));
  return removed;
}

export function createService(options: ServiceOptions): Service {
  mkdirSync(options.workspace, { recursive: true });
  // Debris a killed process left behind (temporary folders, .part files); calls wait for the sweep.
  const swept = sweepWorkspaceDebris(options.workspace).catch(() => []);
  const jobs = new JobQueue(options.backend);
  // failed and cancelled runs are rows of the Runs table too
  const outcomes = new JobOutcomes(options.workspace);
  jobs.onEvent((e) => outcomes.onEvent(e));

  const startJob = <K extends JobKind>(kind: K, title: string, params: unknown) => {
    const info = jobs.submit(kind, title, params);
    outcomes.track(info.id, kind, title, params);
    return { id: info.id, kind };
  };
  const context: HandlerContext = {
    workspace: options.workspace, jobs, startJob, ...(options.revealFolder ? { revealFolder: options.revealFolder } : {}),
  };

  const handlers: Handlers = {
    status: async () => {
      const backend = await jobs.backend();
      return {
        app: { name: 'ScoreScope', version: pkg.version },
        backend,
        workspace: options.workspace,
        host: options.host,
        runtime: {
          node: process.versions.node,
          electron: process.versions['electron'] ?? null,
          platform: `${process.platform}-${process.arch}`,
          cpus: cpus().length,
        },
      };
    },
    'jobs.list': async () => ({ jobs: jobs.list() }),
    'jobs.cancel': async ({ id }) => {
      const info = jobs.cancel(id);
      if (!info) throw new ApiError('not-found', `no job with id ${id}`);
      return { id, state: info.state };
    },
    'jobs.result': async ({ id }) => {
      const e = jobs.get(id);
      if (!e) throw new ApiError('not-found', `no job with id ${id}`);
      return { id, kind: e.info.kind, state: e.info.state, result: e.result ?? null };
    },
    ...datasetHandlers,
    ...samplingHandlers,
    ...auditHandlers,
    ...runHandlers,
  };

  async function call<N extends CallName>(name: N, request?: unknown): Promise<CallResponse<N>> {
    const req = parseRequest(name, request);
    await swept;
    const handler = handlers[name] as (r: typeof req, c: HandlerContext) => Promise<CallResponse<N>>;
    try {
      return calls[name].response.parse(await handler(req, context)) as CallResponse<N>;
    } catch (e) {
      throw toApiError(e);
    }
  }

  return {
    call,
    async callUnknown(name, request) {
      if (!isCallName(name)) throw new ApiError('unknown-call', `unknown call "${String(name)}"`);
      return call(name, request);
    },
    onEvent: (l) => jobs.onEvent(l),
    jobs,
    options,
    close: async () => {
      await jobs.close();
      await outcomes.flush();
    },
  };
}
