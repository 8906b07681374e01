/**
 * The renderer's one client: Electron IPC when the preload exposes it, otherwise a WebSocket to
 * the browser host. Same contract, same calls, same events.
 */
import {
  isApiErrorCode, type ApiErrorCode, type CallName, type CallRequest, type CallResponse, type JobEvent, type ScoreScopeClient,
  type WireError,
} from '../../../electron/contract';

/** A call's error: the host's API code, or 'unreachable' when the host could not be reached. */
export class ClientError extends Error {
  constructor(readonly code: ApiErrorCode | 'unreachable', message: string) {
    super(message);
    this.name = 'ClientError';
  }
}

type Listener = (e: JobEvent) => void;

function ipcClient(api: ScoreScopePreload): ScoreScopeClient {
  return {
    async call(name, request) {
      const r = await api.call(name, request ?? {});
      // the preload passes the main process's wireError through (electron/main)
      if (!r.ok) throw new ClientError(isApiErrorCode(r.error.code) ? r.error.code : 'failed', r.error.message);
      return r.response as never;
    },
    onEvent: (listener) => api.onEvent((e) => listener(e as JobEvent)),
  };
}

/** The browser host's token arrives in the page URL; it authorises the socket and image URLs. */
export function pageToken(): string {
  return new URLSearchParams(location.search).get('token') ?? '';
}

function webSocketClient(): ScoreScopeClient {
  const listeners = new Set<Listener>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let socket: Promise<WebSocket> | undefined;

  const connect = (): Promise<WebSocket> => {
    socket ??= new Promise((resolve, reject) => {
      const proto = location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${proto}://${location.host}/ws?token=${encodeURIComponent(pageToken())}`);
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new ClientError('unreachable', 'cannot reach the ScoreScope server'));
      ws.onclose = () => {
        socket = undefined;
        for (const p of pending.values()) p.reject(new ClientError('unreachable', 'connection to the ScoreScope server closed'));
        pending.clear();
      };
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as
          | { event: JobEvent }
          | { id: number; ok: true; response: unknown }
          | { id: number; ok: false; error: WireError };
        if ('event' in msg) {
          for (const l of listeners) l(msg.event);
          return;
        }
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.response);
        else p.reject(new ClientError(msg.error.code, msg.error.message));
      };
    });
    return socket;
  };

  return {
    async call(name, request) {
      const ws = await connect();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, call: name, request: request ?? {} }));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      void connect().catch(() => undefined);
      return () => listeners.delete(listener);
    },
  };
}

export const client: ScoreScopeClient = window.scorescope ? ipcClient(window.scorescope) : webSocketClient();
export const transport: 'ipc' | 'websocket' = window.scorescope ? 'ipc' : 'websocket';

export type { CallName, CallRequest, CallResponse, JobEvent };
