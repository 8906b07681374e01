/** Messages between a host's job queue and the engine worker thread. */
import type { BackendInfo, BackendName } from '../science/backend';

export type ToWorker =
  | { type: 'init'; backend: BackendName | undefined }
  | { type: 'run'; id: string; kind: string; params: unknown; cancelFlag: SharedArrayBuffer }
  | { type: 'cancel'; id: string };

export type FromWorker =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'init-failed'; error: string }
  | { type: 'progress'; id: string; fraction: number; message: string; figures?: Record<string, number> }
  | { type: 'done'; id: string; result: unknown }
  | { type: 'failed'; id: string; error: string; refused: boolean }
  | { type: 'cancelled'; id: string };
