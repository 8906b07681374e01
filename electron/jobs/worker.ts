/**
 * Engine worker thread: owns the tfjs backend and runs one job at a time, off the host's
 * event loop so windows and servers stay responsive. Cancellation arrives two ways: a shared
 * flag (read between steps of synchronous tensor loops) and a message (aborts streaming I/O).
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../science/backend';
import { JobCancelled, type JobContext } from '../science/job-context';
import { runTask } from './tasks';
import { DataError } from '../../native-data';
import { WorkspaceError } from '../workspace/errors';
import { ApiError } from '../contract';
import type { FromWorker, ToWorker } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('engine worker must run in a worker thread');
const send = (m: FromWorker) => port.postMessage(m);
const controllers = new Map<string, AbortController>();
/** Progress messages are throttled: a 10 000-step sampler must not flood the host. */
const PROGRESS_INTERVAL_MS = 100;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The job refused its input (a file a reader would not take, a dataset or run the workspace does
 * not hold or will not use, a bad parameter) rather than failing while it worked: no run was
 * attempted, so the Runs table gets no failed row for it.
 */
function refusedInput(e: unknown): boolean {
  return e instanceof DataError || e instanceof WorkspaceError || (e instanceof ApiError && e.code !== 'failed');
}

async function run(id: string, kind: string, params: unknown, cancelFlag: SharedArrayBuffer) {
  const flag = new Int32Array(cancelFlag);
  const controller = new AbortController();
  controllers.set(id, controller);
  let lastSent = 0;
  const ctx: JobContext = {
    progress(fraction, message = '', figures) {
      const now = Date.now();
      if (now - lastSent < PROGRESS_INTERVAL_MS && fraction < 1) return;
      lastSent = now;
      send({ type: 'progress', id, fraction: Math.min(1, Math.max(0, fraction)), message, ...(figures ? { figures } : {}) });
    },
    throwIfCancelled() {
      if (Atomics.load(flag, 0) !== 0 || controller.signal.aborted) throw new JobCancelled();
    },
    signal: controller.signal,
  };
  try {
    ctx.throwIfCancelled();
    const result = await runTask(kind, params, ctx);
    send({ type: 'done', id, result });
  } catch (e) {
    if (e instanceof JobCancelled || (controller.signal.aborted && Atomics.load(flag, 0) !== 0)) {
      send({ type: 'cancelled', id });
    } else {
      send({ type: 'failed', id, error: errorText(e), refused: refusedInput(e) });
    }
  } finally {
    controllers.delete(id);
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init':
      initBackend(m.backend).then(
        (backend) => send({ type: 'ready', backend }),
        (e: unknown) => send({ type: 'init-failed', error: errorText(e) }),
      );
      break;
    case 'run':
      void run(m.id, m.kind, m.params, m.cancelFlag);
      break;
    case 'cancel':
      controllers.get(m.id)?.abort();
      break;
  }
});
